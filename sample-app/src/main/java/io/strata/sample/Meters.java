package io.strata.sample;

import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.TreeMap;

/** Reads totals out of a registry: the summary is computed from the same meters Prometheus scrapes. */
final class Meters {

    private Meters() {}

    /** The sum of every meter named {@code name} with the given tag pairs. */
    static long sum(MeterRegistry registry, String name, String... tagPairs) {
        long total = 0;
        for (Meter m : registry.find(name).tags(tagPairs).meters()) {
            total += value(m);
        }
        return total;
    }

    /** The sums of the meters named {@code name} with the given tag pairs, grouped by the tag {@code by}. */
    static Map<String, Long> sumBy(MeterRegistry registry, String name, String by, String... tagPairs) {
        Map<String, Long> sums = new TreeMap<>();
        for (Meter m : registry.find(name).tags(tagPairs).meters()) {
            String key = m.getId().getTag(by);
            if (key != null) {
                sums.merge(key, value(m), Long::sum);
            }
        }
        return sums;
    }

    private static long value(Meter m) {
        for (Measurement measurement : m.measure()) {
            double v = measurement.getValue();
            return Double.isFinite(v) ? Math.round(v) : 0;
        }
        return 0;
    }
}
