/* Baseline for benchmarks/bench_simulators.py: the D2Q9 lattice-Boltzmann
 * channel of skrom.datasets._cylinder advanced by the same loop as the numba
 * kernels _lbm_run / _lbm_step / _incoming / _collide_store: fused pull
 * streaming, TRT collision, halfway bounce-back walls, Ladd inlet,
 * non-equilibrium outlet at density 1, Bouzidi bounce-back on the cylinder
 * with momentum-exchange forces.
 *
 * usage: lbm_d2q9_trt LATTICE_FILE N_STEPS
 * LATTICE_FILE (native byte order, written by bench_simulators.py):
 *   int64 ny, nx; float64 omega_plus, omega_minus;
 *   int8 kind[ny*nx]; float64 q[9*ny*nx]; float64 u_node[ny];
 *   float64 u_edge[ny+1]; float64 f[9*ny*nx]
 * prints: <seconds> <fx> <fy> <sum of f> (the last step's force and the
 * populations keep the loop alive and let the caller check that both
 * kernels computed the same flow)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const int CX[9] = {0, 1, 0, -1, 0, 1, -1, -1, 1};
static const int CY[9] = {0, 0, 1, 0, -1, 1, 1, -1, -1};
static const int OPP[9] = {0, 3, 4, 1, 2, 7, 8, 5, 6};
static const double W[9] = {4.0 / 9, 1.0 / 9, 1.0 / 9, 1.0 / 9, 1.0 / 9,
                            1.0 / 36, 1.0 / 36, 1.0 / 36, 1.0 / 36};
enum { FLUID = 0, NEAR_WALL = 1, SOLID = 2 };

typedef struct {
    long ny, nx;
    const int8_t *kind;
    const double *q, *u_node, *u_edge;
    long n_wall;
    long *wall_nodes; /* (j, i) pairs of the NEAR_WALL nodes, row-major order */
} Lattice;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

#define AT(a, k, j, i) (a)[((k) * ny + (j)) * nx + (i)]

static inline double e_k(int k, double ux, double uy)
{
    double cu = CX[k] * ux + CY[k] * uy;
    return W[k] * (1.0 + 3.0 * cu + 4.5 * cu * cu - 1.5 * (ux * ux + uy * uy));
}

static double incoming(const double *f, const Lattice *g, int k, long j, long i,
                       double *force)
{
    long ny = g->ny, nx = g->nx;
    long sj = j - CY[k], si = i - CX[k];
    int kb = OPP[k];
    if (sj < 0 || sj >= ny)
        return AT(f, kb, j, i);
    if (si < 0) {
        double u;
        if (CY[k] == 0)
            u = g->u_node[j];
        else if (CY[k] > 0)
            u = g->u_edge[j];
        else
            u = g->u_edge[j + 1];
        return AT(f, kb, j, i) + 6.0 * W[k] * CX[k] * u;
    }
    if (si >= nx) {
        double rho = 0.0, mx = 0.0, my = 0.0;
        for (int m = 0; m < 9; m++) {
            double fm = AT(f, m, sj, nx - 1);
            rho += fm;
            mx += CX[m] * fm;
            my += CY[m] * fm;
        }
        return AT(f, k, sj, nx - 1) + (1.0 - rho) * e_k(k, mx / rho, my / rho);
    }
    if (g->kind[sj * nx + si] != SOLID)
        return AT(f, k, sj, si);
    double q = AT(g->q, kb, j, i);
    double out = AT(f, kb, j, i);
    long fj = j + CY[k], fi = i + CX[k];
    double val;
    if (q < 0.5 && fj >= 0 && fj < ny && fi >= 0 && fi < nx &&
        g->kind[fj * nx + fi] != SOLID)
        val = 2.0 * q * out + (1.0 - 2.0 * q) * AT(f, kb, fj, fi);
    else if (q >= 0.5)
        val = (out + (2.0 * q - 1.0) * AT(f, k, j, i)) / (2.0 * q);
    else
        val = out;
    force[0] += CX[kb] * (out + val);
    force[1] += CY[kb] * (out + val);
    return val;
}

static void collide_store(const double *fin, double *fout, long ny, long nx, long j,
                          long i, double wp, double wm)
{
    double f0 = fin[0], f1 = fin[1], f2 = fin[2], f3 = fin[3], f4 = fin[4];
    double f5 = fin[5], f6 = fin[6], f7 = fin[7], f8 = fin[8];
    double rho = f0 + f1 + f2 + f3 + f4 + f5 + f6 + f7 + f8;
    double ux = (f1 - f3 + f5 - f6 - f7 + f8) / rho;
    double uy = (f2 - f4 + f5 + f6 - f7 - f8) / rho;
    double usq = 1.5 * (ux * ux + uy * uy);
    AT(fout, 0, j, i) = f0 - wp * (f0 - 4.0 / 9.0 * rho * (1.0 - usq));
    double a = 1.0 / 9.0 * rho, cu, ep, em, dp, dm;
    cu = ux;
    ep = a * (1.0 + 4.5 * cu * cu - usq);
    em = a * 3.0 * cu;
    dp = wp * (0.5 * (f1 + f3) - ep);
    dm = wm * (0.5 * (f1 - f3) - em);
    AT(fout, 1, j, i) = f1 - dp - dm;
    AT(fout, 3, j, i) = f3 - dp + dm;
    cu = uy;
    ep = a * (1.0 + 4.5 * cu * cu - usq);
    em = a * 3.0 * cu;
    dp = wp * (0.5 * (f2 + f4) - ep);
    dm = wm * (0.5 * (f2 - f4) - em);
    AT(fout, 2, j, i) = f2 - dp - dm;
    AT(fout, 4, j, i) = f4 - dp + dm;
    a = 1.0 / 36.0 * rho;
    cu = ux + uy;
    ep = a * (1.0 + 4.5 * cu * cu - usq);
    em = a * 3.0 * cu;
    dp = wp * (0.5 * (f5 + f7) - ep);
    dm = wm * (0.5 * (f5 - f7) - em);
    AT(fout, 5, j, i) = f5 - dp - dm;
    AT(fout, 7, j, i) = f7 - dp + dm;
    cu = uy - ux;
    ep = a * (1.0 + 4.5 * cu * cu - usq);
    em = a * 3.0 * cu;
    dp = wp * (0.5 * (f6 + f8) - ep);
    dm = wm * (0.5 * (f6 - f8) - em);
    AT(fout, 6, j, i) = f6 - dp - dm;
    AT(fout, 8, j, i) = f8 - dp + dm;
}

static void step(const double *f, double *g, const Lattice *lat, double wp, double wm,
                 double *force)
{
    long ny = lat->ny, nx = lat->nx, n = ny * nx;
    double fin[9];
    for (long j = 0; j < ny; j++) {
        for (long i = 0; i < nx; i++) {
            if (lat->kind[j * nx + i] != FLUID)
                continue;
            long p = j * nx + i;
            fin[0] = f[p];
            fin[1] = f[n + p - 1];
            fin[2] = f[2 * n + p - nx];
            fin[3] = f[3 * n + p + 1];
            fin[4] = f[4 * n + p + nx];
            fin[5] = f[5 * n + p - nx - 1];
            fin[6] = f[6 * n + p - nx + 1];
            fin[7] = f[7 * n + p + nx + 1];
            fin[8] = f[8 * n + p + nx - 1];
            collide_store(fin, g, ny, nx, j, i, wp, wm);
        }
    }
    force[0] = 0.0;
    force[1] = 0.0;
    for (long w = 0; w < lat->n_wall; w++) {
        long j = lat->wall_nodes[2 * w], i = lat->wall_nodes[2 * w + 1];
        fin[0] = AT(f, 0, j, i);
        for (int k = 1; k < 9; k++)
            fin[k] = incoming(f, lat, k, j, i, force);
        collide_store(fin, g, ny, nx, j, i, wp, wm);
    }
}

static void *read_or_die(FILE *fp, size_t size, size_t n)
{
    void *p = malloc(size * n);
    if (p == NULL || fread(p, size, n, fp) != n) {
        fprintf(stderr, "bad lattice file\n");
        exit(1);
    }
    return p;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s LATTICE_FILE N_STEPS\n", argv[0]);
        return 1;
    }
    FILE *fp = fopen(argv[1], "rb");
    if (fp == NULL) {
        perror(argv[1]);
        return 1;
    }
    long n_steps = atol(argv[2]);
    int64_t *shape = read_or_die(fp, sizeof(int64_t), 2);
    double *omega = read_or_die(fp, sizeof(double), 2);
    long ny = shape[0], nx = shape[1], n = 9 * ny * nx;
    Lattice lat = {ny, nx, NULL, NULL, NULL, NULL, 0, NULL};
    lat.kind = read_or_die(fp, 1, ny * nx);
    lat.q = read_or_die(fp, sizeof(double), n);
    lat.u_node = read_or_die(fp, sizeof(double), ny);
    lat.u_edge = read_or_die(fp, sizeof(double), ny + 1);
    double *f = read_or_die(fp, sizeof(double), n);
    fclose(fp);
    lat.wall_nodes = malloc(sizeof(long) * 2 * ny * nx);
    for (long j = 0; j < ny; j++)
        for (long i = 0; i < nx; i++)
            if (lat.kind[j * nx + i] == NEAR_WALL) {
                lat.wall_nodes[2 * lat.n_wall] = j;
                lat.wall_nodes[2 * lat.n_wall + 1] = i;
                lat.n_wall++;
            }
    double *g = malloc(sizeof(double) * n);
    for (long m = 0; m < n; m++)
        g[m] = f[m];
    double force[2];
    double t0 = now();
    for (long s = 0; s < n_steps; s++) {
        if (s % 2 == 0)
            step(f, g, &lat, omega[0], omega[1], force);
        else
            step(g, f, &lat, omega[0], omega[1], force);
    }
    double seconds = now() - t0;
    const double *newest = n_steps % 2 ? g : f;
    double total = 0.0;
    for (long m = 0; m < n; m++)
        total += newest[m];
    printf("%.6f %.17g %.17g %.17g\n", seconds, force[0], force[1], total);
    return 0;
}
