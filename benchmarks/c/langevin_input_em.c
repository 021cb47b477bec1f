/* C twin of skrom.score._input_kernels._scalar_input_path: Euler-Maruyama of
 * one dynamic feature whose drift is read from the input tables, the inputs
 * interpolated linearly over each record's substeps. The same operations in
 * the same order as the numba kernel, and the same generator (numpy's
 * random_standard_normal on the Generator's bitgen_t), so the two paths agree
 * bit for bit when compiled with -ffp-contract=off.
 * Compiled and called through ctypes by benchmarks/bench_langevin_inputs.py. */
#include <math.h>
#include <stdlib.h>
#include "numpy/random/bitgen.h"

double random_standard_normal(bitgen_t *bitgen_state);

typedef struct {
    double lo, step, inv_step, floor, v_max, phi_kk, kick, inv_var, h, bound;
    long n_x, n_inputs, n_terms, n_t, substeps;
    const long *parent, *var, *t_parent, *t_var, *lower; /* lower: (n_t, n_inputs) */
    const double *expo;                 /* (n_t, n_inputs) */
    const double *score;                /* (n_x, n_terms) */
    const double *density, *cdf;        /* (n_x, n_t) */
    const double *mean, *scale, *v_lo, *v_hi;
} input_model;

/* Python's max(a, b) and min(a, b) on floats, as numba compiles them */
static inline double py_max(double a, double b) { return b > a ? b : a; }
static inline double py_min(double a, double b) { return b < a ? b : a; }

static inline void monomials(const double *v, const long *parent, const long *var,
                             long n, double *m) {
    for (long k = 0; k < n; ++k) {
        long q = parent[k];
        m[k] = q < 0 ? 1.0 : m[q] * v[var[k]];
    }
}

static inline double blend(const double *table, long width, long i, double f,
                           const double *m) {
    const double *r0 = table + i * width, *r1 = r0 + width;
    double a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0;
    double b0 = 0.0, b1 = 0.0, b2 = 0.0, b3 = 0.0;
    long k;
    for (k = 0; k + 3 < width; k += 4) {
        a0 += r0[k] * m[k];
        b0 += r1[k] * m[k];
        a1 += r0[k + 1] * m[k + 1];
        b1 += r1[k + 1] * m[k + 1];
        a2 += r0[k + 2] * m[k + 2];
        b2 += r1[k + 2] * m[k + 2];
        a3 += r0[k + 3] * m[k + 3];
        b3 += r1[k + 3] * m[k + 3];
    }
    for (; k < width; ++k) {
        a0 += r0[k] * m[k];
        b0 += r1[k] * m[k];
    }
    return (1.0 - f) * ((a0 + a1) + (a2 + a3)) + f * ((b0 + b1) + (b2 + b3));
}

static inline double drift_at(const input_model *t, double x, double *v,
                              const double *vdot, double *m, double *mt,
                              double *rate) {
    long p = t->n_inputs;
    for (long j = 0; j < p; ++j) v[j] = py_min(py_max(v[j], t->v_lo[j]), t->v_hi[j]);
    monomials(v, t->parent, t->var, t->n_terms, m);
    double u = (x - t->lo) * t->inv_step;
    double uc = py_min(py_max(u, 0.0), (double)t->n_x - 1.000001);
    long i = (long)uc;
    double f = uc - (double)i;
    double score = blend(t->score, t->n_terms, i, f, m) - (u - uc) * t->step * t->inv_var;
    double drift = t->phi_kk * score;
    long n_t = t->n_t;
    if (n_t == 0) return drift;
    monomials(v, t->t_parent, t->t_var, n_t, mt);
    for (long k = 0; k < n_t; ++k) {
        double acc = 0.0;
        for (long j = 0; j < p; ++j) {
            long q = t->lower[k * p + j];
            if (q >= 0) acc += t->expo[k * p + j] * mt[q] * vdot[j];
        }
        rate[k] = acc;
    }
    double dens = blend(t->density, n_t, i, f, mt);
    double flux = blend(t->cdf, n_t, i, f, rate);
    double velocity = -flux / py_max(dens, t->floor);
    return drift + py_min(py_max(velocity, -t->v_max), t->v_max);
}

long input_path(bitgen_t *rng, const input_model *t, double x0, const double *U,
                long n_records, double *out) {
    long p = t->n_inputs, substeps = t->substeps;
    double *work = malloc(sizeof(double) * (6 * p + t->n_terms + 2 * t->n_t + 1));
    double *v = work, *vdot = v + p, *v0 = vdot + p, *dv = v0 + p;
    double *inv_scale = dv + p, *m = inv_scale + p, *mt = m + t->n_terms;
    double *rate = mt + t->n_t;
    for (long j = 0; j < p; ++j) inv_scale[j] = 1.0 / t->scale[j];
    double h = t->h, inv_record = 1.0 / (h * (double)substeps);
    double x = x0;
    long status = -1;
    out[0] = x;
    for (long r = 1; r < n_records; ++r) {
        const double *u0 = U + (r - 1) * p, *u1 = U + r * p;
        for (long j = 0; j < p; ++j) {
            v0[j] = (u0[j] - t->mean[j]) * inv_scale[j];
            dv[j] = (u1[j] - u0[j]) * inv_scale[j];
            vdot[j] = dv[j] * inv_record;
        }
        for (long s = 0; s < substeps; ++s) {
            double frac = (double)s / (double)substeps;
            for (long j = 0; j < p; ++j) v[j] = v0[j] + frac * dv[j];
            x += drift_at(t, x, v, vdot, m, mt, rate) * h;
            x += t->kick * random_standard_normal(rng);
        }
        out[r] = x;
        if (!(fabs(x) <= t->bound)) {
            for (long q = r + 1; q < n_records; ++q) out[q] = NAN;
            status = r;
            break;
        }
    }
    free(work);
    return status;
}
