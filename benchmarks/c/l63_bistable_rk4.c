/* Baseline for benchmarks/bench_simulators.py: the additive L63-driven
 * bistable system advanced by the same RK4 loop as the numba kernel
 * skrom.datasets._lorenz._integrate_slow_fast (kind = additive).
 *
 * usage: l63_bistable_rk4 N_STEPS STRIDE
 * prints: <seconds> <x> (x keeps the compiler from dropping the loop)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static inline double slow_rhs(double x, double y2, double coupling)
{
    return x * (1.0 - x * x) + coupling * y2;
}

int main(int argc, char **argv)
{
    long n_obs = argc > 1 ? atol(argv[1]) : 100001;
    long stride = argc > 2 ? atol(argv[2]) : 10;
    const double h = 1e-3, eps = 0.5, s = 0.08;
    const double sigma = 10.0, rho = 28.0, beta = 8.0 / 3.0, bound = 1e4;
    const double inv_eps2 = 1.0 / (eps * eps), coupling = s / eps;
    const double sf = sigma * inv_eps2, half = 0.5 * h, sixth = h / 6.0;
    double *out = malloc(sizeof(double) * 4 * n_obs);
    double x = 0.5, y1 = 1.0, y2 = 1.0, y3 = 25.0;
    double t_start = now();
    out[0] = x; out[1] = y1; out[2] = y2; out[3] = y3;
    for (long k = 1; k < n_obs; k++) {
        for (long j = 0; j < stride; j++) {
            double kx1 = slow_rhs(x, y2, coupling);
            double ka1 = sf * (y2 - y1);
            double kb1 = inv_eps2 * (y1 * (rho - y3) - y2);
            double kc1 = inv_eps2 * (y1 * y2 - beta * y3);
            double xs = x + half * kx1, a = y1 + half * ka1, b = y2 + half * kb1,
                   c = y3 + half * kc1;
            double kx2 = slow_rhs(xs, b, coupling);
            double ka2 = sf * (b - a);
            double kb2 = inv_eps2 * (a * (rho - c) - b);
            double kc2 = inv_eps2 * (a * b - beta * c);
            xs = x + half * kx2; a = y1 + half * ka2; b = y2 + half * kb2;
            c = y3 + half * kc2;
            double kx3 = slow_rhs(xs, b, coupling);
            double ka3 = sf * (b - a);
            double kb3 = inv_eps2 * (a * (rho - c) - b);
            double kc3 = inv_eps2 * (a * b - beta * c);
            xs = x + h * kx3; a = y1 + h * ka3; b = y2 + h * kb3; c = y3 + h * kc3;
            double kx4 = slow_rhs(xs, b, coupling);
            double ka4 = sf * (b - a);
            double kb4 = inv_eps2 * (a * (rho - c) - b);
            double kc4 = inv_eps2 * (a * b - beta * c);
            x += sixth * (kx1 + 2.0 * (kx2 + kx3) + kx4);
            y1 += sixth * (ka1 + 2.0 * (ka2 + ka3) + ka4);
            y2 += sixth * (kb1 + 2.0 * (kb2 + kb3) + kb4);
            y3 += sixth * (kc1 + 2.0 * (kc2 + kc3) + kc4);
        }
        out[4 * k] = x; out[4 * k + 1] = y1; out[4 * k + 2] = y2; out[4 * k + 3] = y3;
        if (!(fabs(x) <= bound && fabs(y1) <= bound && fabs(y2) <= bound
              && fabs(y3) <= bound)) {
            fprintf(stderr, "blow-up at observation %ld\n", k);
            return 1;
        }
    }
    double elapsed = now() - t_start;
    printf("%.9f %.17g\n", elapsed, out[4 * (n_obs - 1)]);
    free(out);
    return 0;
}
