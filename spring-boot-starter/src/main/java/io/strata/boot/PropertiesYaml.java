package io.strata.boot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code strata.*} properties as the router's YAML, so that one parser checks both and reports
 * every error with its path. Spring has already resolved {@code ${...}} in the properties, so a
 * {@code ${} left in a value is escaped ({@code $${}) and stays literal.
 */
final class PropertiesYaml {

    private PropertiesYaml() {}

    static boolean configured(StrataProperties p) {
        return !p.getShards().isEmpty();
    }

    static String toYaml(StrataProperties p) {
        Map<String, Object> root = new LinkedHashMap<>();
        List<Object> shards = new ArrayList<>();
        for (StrataProperties.Shard s : p.getShards()) {
            Map<String, Object> m = new LinkedHashMap<>();
            put(m, "name", s.getName());
            put(m, "primary", s.getPrimary());
            if (!s.getReplicas().isEmpty()) {
                m.put(
                        "replicas",
                        s.getReplicas().stream().map(PropertiesYaml::text).toList());
            }
            put(m, "username", s.getUsername());
            put(m, "password", s.getPassword());
            put(m, "maxLag", s.getMaxLag());
            put(m, "readStrategy", s.getReadStrategy());
            put(m, "noReplicaPolicy", s.getNoReplicaPolicy());
            Map<String, Object> pool = new LinkedHashMap<>();
            StrataProperties.Pool pp = s.getPool();
            put(pool, "maximumPoolSize", pp.getMaximumPoolSize());
            put(pool, "minimumIdle", pp.getMinimumIdle());
            put(pool, "connectionTimeout", pp.getConnectionTimeout());
            put(pool, "idleTimeout", pp.getIdleTimeout());
            put(pool, "maxLifetime", pp.getMaxLifetime());
            if (!pool.isEmpty()) {
                m.put("pool", pool);
            }
            shards.add(m);
        }
        root.put("shards", shards);
        put(root, "slots", p.getSlots());
        if (!p.getTables().isEmpty()) {
            Map<String, Object> tables = new LinkedHashMap<>();
            for (Map.Entry<String, StrataProperties.Table> e : p.getTables().entrySet()) {
                StrataProperties.Table t = e.getValue();
                if (t.isBroadcast()) {
                    tables.put(e.getKey(), "broadcast");
                    continue;
                }
                Map<String, Object> m = new LinkedHashMap<>();
                put(m, "sharded", t.getSharded());
                put(m, "type", t.getType());
                put(m, "slotId", t.getSlotId());
                put(m, "single", t.getSingle());
                tables.put(e.getKey(), m);
            }
            root.put("tables", tables);
        }
        if (p.getDefaultShard() != null) {
            root.put("unknownTables", Map.of("defaultShard", text(p.getDefaultShard())));
        }
        put(root, "keylessWrites", p.getKeylessWrites());
        Map<String, Object> tx = new LinkedHashMap<>();
        put(tx, "policy", p.getTransactions().getPolicy());
        put(tx, "coordinatorId", p.getTransactions().getCoordinatorId());
        put(tx, "log", p.getTransactions().getLog());
        if (!tx.isEmpty()) {
            root.put("transactions", tx);
        }
        put(root, "consistency", p.getConsistency());
        if (!p.getGlobalSequences().isEmpty()) {
            root.put(
                    "globalSequences",
                    p.getGlobalSequences().stream().map(PropertiesYaml::text).toList());
        }
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        return new Yaml(options).dump(root);
    }

    private static void put(Map<String, Object> m, String key, @Nullable Object value) {
        if (value == null) {
            return;
        }
        if (value instanceof Duration d) {
            m.put(key, d.toMillis() + "ms");
        } else if (value instanceof String s) {
            m.put(key, text(s));
        } else {
            m.put(key, value);
        }
    }

    private static String text(String s) {
        return s.replace("${", "$${");
    }
}
