/* Baseline for benchmarks/bench_hybrid.py: the delay-vector neural ODE
 * advanced by the same loop as the numba kernels
 * skrom.forcing._node_kernels.node_rollout (one path, not symmetric) with
 * skrom._mlp_kernels.mlp_forward: tanh confinement, affine layers two rows
 * per pass, swish with the same Cody-Waite + degree-13 exp, RK4 3/8 rule.
 *
 * usage: node_rk4 MODEL_FILE N_STEPS
 * MODEL_FILE (native byte order, written by bench_hybrid.py):
 *   int64 n_sizes, coupled, n_block; int64 sizes[n_sizes];
 *   float64 dt, inv_time_scale, radius; float64 z0[sizes[0]];
 *   float64 weights[...]; float64 biases[...]
 * prints: <seconds> <z[0]> <z[n-1]> (the state keeps the loop alive and
 * lets the caller check that both kernels computed the same path)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* numba's fastmath={"reassoc", "contract"} on _affine */
__attribute__((optimize("associative-math", "no-signed-zeros", "no-trapping-math")))
static void affine(const double *restrict w, const double *restrict b, long n_a,
                   long n_b, const double *restrict inp, double *restrict dst)
{
    long n_pair = n_b - n_b % 2;
    for (long i = 0; i < n_pair; i += 2) {
        const double *r0 = w + i * n_a, *r1 = r0 + n_a;
        double a0 = 0.0, a1 = 0.0;
        for (long j = 0; j < n_a; j++) {
            a0 += r0[j] * inp[j];
            a1 += r1[j] * inp[j];
        }
        dst[i] = a0 + b[i];
        dst[i + 1] = a1 + b[i + 1];
    }
    for (long i = n_pair; i < n_b; i++) {
        const double *r0 = w + i * n_a;
        double a0 = 0.0;
        for (long j = 0; j < n_a; j++)
            a0 += r0[j] * inp[j];
        dst[i] = a0 + b[i];
    }
}

static void swish_inplace(double *v, long n)
{
    for (long i = 0; i < n; i++) {
        double a = -v[i] < -708.0 ? -708.0 : (-v[i] > 708.0 ? 708.0 : -v[i]);
        double kf = floor(a * 1.4426950408889634 + 0.5);
        double r = (a - kf * 0.6931471803691238) - kf * 1.9082149292705877e-10;
        double p = 1.0 / 6227020800.0;
        p = p * r + 1.0 / 479001600.0;
        p = p * r + 1.0 / 39916800.0;
        p = p * r + 1.0 / 3628800.0;
        p = p * r + 1.0 / 362880.0;
        p = p * r + 1.0 / 40320.0;
        p = p * r + 1.0 / 5040.0;
        p = p * r + 1.0 / 720.0;
        p = p * r + 1.0 / 120.0;
        p = p * r + 1.0 / 24.0;
        p = p * r + 1.0 / 6.0;
        p = p * r + 0.5;
        p = p * r + 1.0;
        p = p * r + 1.0;
        int64_t bits = ((int64_t)kf + 1023) << 52;
        double scale;
        memcpy(&scale, &bits, sizeof scale);
        double e = p * scale;
        v[i] = -v[i] >= 708.0 ? 0.0 * v[i] : v[i] / (1.0 + e);
    }
}

typedef struct {
    long n_sizes, coupled, n_block;
    long *sizes;
    double dt, inv_time_scale, radius;
    double *weights, *biases;
    double *work, *squashed, *mlp_out;
    long width;
} Model;

static void mlp_forward(Model *m, const double *x, double *out)
{
    long n_layers = m->n_sizes - 1, src = 0, w_off = 0, b_off = 0;
    for (long j = 0; j < m->sizes[0]; j++)
        m->work[j] = x[j];
    for (long layer = 0; layer < n_layers; layer++) {
        long n_a = m->sizes[layer], n_b = m->sizes[layer + 1];
        if (layer == n_layers - 1) {
            affine(m->weights + w_off, m->biases + b_off, n_a, n_b, m->work + src, out);
        } else {
            long dst = m->width - src;
            affine(m->weights + w_off, m->biases + b_off, n_a, n_b, m->work + src,
                   m->work + dst);
            swish_inplace(m->work + dst, n_b);
            src = dst;
        }
        w_off += n_a * n_b;
        b_off += n_b;
    }
}

static void field(Model *m, const double *z, double *out)
{
    long n = m->sizes[0], n_out = m->coupled ? m->n_block : n;
    for (long i = 0; i < n; i++)
        m->squashed[i] = m->radius * tanh(z[i] / m->radius);
    mlp_forward(m, m->squashed, m->mlp_out);
    for (long i = 0; i < n_out; i++)
        out[i] = (m->mlp_out[i] - (z[i] - m->squashed[i])) * m->inv_time_scale;
    for (long i = n_out; i < n; i++)
        out[i] = (z[i - m->n_block] - (z[i] - m->squashed[i])) * m->inv_time_scale;
}

static void read_or_die(void *p, size_t size, size_t n, FILE *f)
{
    if (fread(p, size, n, f) != n) {
        fprintf(stderr, "node_rk4: truncated model file\n");
        exit(2);
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: node_rk4 MODEL_FILE N_STEPS\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror("node_rk4");
        return 2;
    }
    long n_steps = atol(argv[2]);
    Model m;
    int64_t head[3];
    read_or_die(head, sizeof(int64_t), 3, f);
    m.n_sizes = head[0];
    m.coupled = head[1];
    m.n_block = head[2];
    int64_t *sizes64 = malloc(sizeof(int64_t) * m.n_sizes);
    read_or_die(sizes64, sizeof(int64_t), m.n_sizes, f);
    m.sizes = malloc(sizeof(long) * m.n_sizes);
    long n_w = 0, n_b = 0;
    m.width = 0;
    for (long l = 0; l < m.n_sizes; l++) {
        m.sizes[l] = sizes64[l];
        if (m.sizes[l] > m.width)
            m.width = m.sizes[l];
        if (l > 0) {
            n_w += m.sizes[l - 1] * m.sizes[l];
            n_b += m.sizes[l];
        }
    }
    double params[3];
    read_or_die(params, sizeof(double), 3, f);
    m.dt = params[0];
    m.inv_time_scale = params[1];
    m.radius = params[2];
    long n = m.sizes[0];
    double *z = malloc(sizeof(double) * n);
    read_or_die(z, sizeof(double), n, f);
    m.weights = malloc(sizeof(double) * n_w);
    m.biases = malloc(sizeof(double) * n_b);
    read_or_die(m.weights, sizeof(double), n_w, f);
    read_or_die(m.biases, sizeof(double), n_b, f);
    fclose(f);
    m.work = malloc(sizeof(double) * 2 * m.width);
    m.squashed = malloc(sizeof(double) * n);
    m.mlp_out = malloc(sizeof(double) * m.sizes[m.n_sizes - 1]);
    double *k1 = malloc(sizeof(double) * n), *k2 = malloc(sizeof(double) * n);
    double *k3 = malloc(sizeof(double) * n), *k4 = malloc(sizeof(double) * n);
    double *tmp = malloc(sizeof(double) * n);
    const double dt = m.dt, third = 1.0 / 3.0;

    double t0 = now();
    for (long t = 1; t < n_steps; t++) {
        field(&m, z, k1);
        for (long i = 0; i < n; i++)
            tmp[i] = z[i] + dt * k1[i] * third;
        field(&m, tmp, k2);
        for (long i = 0; i < n; i++)
            tmp[i] = z[i] + dt * (k2[i] - k1[i] * third);
        field(&m, tmp, k3);
        for (long i = 0; i < n; i++)
            tmp[i] = z[i] + dt * (k1[i] - k2[i] + k3[i]);
        field(&m, tmp, k4);
        for (long i = 0; i < n; i++)
            z[i] = z[i] + (k1[i] + 3.0 * (k2[i] + k3[i]) + k4[i]) * dt * 0.125;
        if (!isfinite(z[0])) {
            fprintf(stderr, "blow-up at step %ld\n", t);
            return 1;
        }
    }
    double elapsed = now() - t0;
    printf("%.9f %.17g %.17g\n", elapsed, z[0], z[n - 1]);
    return 0;
}
