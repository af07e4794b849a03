package io.strata.sample;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** The Grafana dashboard in {@code docker/grafana/dashboards/strata.json}, read as its panels and queries. */
final class GrafanaDashboard {

    static final Path FILE = Path.of("..", "docker", "grafana", "dashboards", "strata.json")
            .toAbsolutePath()
            .normalize();

    /** Metric names as Prometheus exports them: Strata's, HikariCP's, Caffeine's and Resilience4j's. */
    private static final Pattern METRIC = Pattern.compile("\\b((?:strata|hikaricp|cache|resilience4j)_[a-z0-9_]+)\\b");

    private GrafanaDashboard() {}

    /** The dashboard, parsed (JSON is read as YAML). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> read() throws IOException {
        return (Map<String, Object>) new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(FILE));
    }

    /** Every panel's targets. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> targets(Map<String, Object> dashboard) {
        List<Map<String, Object>> targets = new ArrayList<>();
        for (Map<String, Object> panel : (List<Map<String, Object>>) dashboard.get("panels")) {
            targets.addAll((List<Map<String, Object>>) panel.get("targets"));
        }
        return targets;
    }

    /** Every metric name a query of the dashboard reads. */
    static TreeSet<String> metrics() throws IOException {
        TreeSet<String> names = new TreeSet<>();
        for (Map<String, Object> target : targets(read())) {
            Matcher m = METRIC.matcher(String.valueOf(target.get("expr")));
            while (m.find()) {
                names.add(m.group(1));
            }
        }
        return names;
    }
}
