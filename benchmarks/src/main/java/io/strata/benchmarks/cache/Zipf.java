package io.strata.benchmarks.cache;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/** Zipf-distributed ranks 0..n-1 (rank 0 hottest) by inverse CDF over a precomputed table. */
final class Zipf {

    private final double[] cdf;

    Zipf(int n, double exponent) {
        cdf = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += 1.0 / Math.pow(i + 1, exponent);
            cdf[i] = sum;
        }
        for (int i = 0; i < n; i++) {
            cdf[i] /= sum;
        }
    }

    int next() {
        int i = Arrays.binarySearch(cdf, ThreadLocalRandom.current().nextDouble());
        return i >= 0 ? i : Math.min(cdf.length - 1, -i - 1);
    }
}
