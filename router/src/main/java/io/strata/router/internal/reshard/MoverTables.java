package io.strata.router.internal.reshard;

import io.strata.router.KeyType;
import io.strata.router.TableRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The tables a move carries: every hash-sharded table (by its key column and type) moves the rows
 * of the moving slots; every broadcast table is copied whole into a new shard. Single tables and
 * time-range tables stay where they are.
 */
public record MoverTables(List<Sharded> sharded, List<String> broadcast) {

    /** A hash-sharded table. */
    public record Sharded(String table, String keyColumn, KeyType keyType) {
        public Sharded {
            Objects.requireNonNull(table, "table cannot be null");
            Objects.requireNonNull(keyColumn, "keyColumn cannot be null");
            Objects.requireNonNull(keyType, "keyType cannot be null");
        }

        /** The slot of this table's row key as SQL (the key column unqualified). */
        String slotExpression(int slots) {
            String col = Sql.ident(keyColumn);
            return switch (keyType) {
                case LONG -> "strata_meta.slot_bigint(" + col + "::bigint, " + slots + ")";
                case TEXT -> "strata_meta.slot_text(" + col + "::text, " + slots + ")";
                case UUID -> "strata_meta.slot_uuid(" + col + "::uuid, " + slots + ")";
            };
        }
    }

    public MoverTables {
        sharded = List.copyOf(sharded);
        broadcast = List.copyOf(broadcast);
    }

    /** The tables the rules describe. */
    public static MoverTables of(List<TableRule> rules) {
        List<Sharded> sharded = new ArrayList<>();
        List<String> broadcast = new ArrayList<>();
        for (TableRule r : rules) {
            if (r.kind() == TableRule.Kind.SHARDED && r.timeRange() == null) {
                sharded.add(new Sharded(
                        r.table(), Objects.requireNonNull(r.keyColumn()), Objects.requireNonNull(r.keyType())));
            } else if (r.kind() == TableRule.Kind.BROADCAST) {
                broadcast.add(r.table());
            }
        }
        return new MoverTables(sharded, broadcast);
    }

    /** Every table name: sharded first, then broadcast. */
    List<String> all() {
        List<String> out = new ArrayList<>();
        sharded.forEach(s -> out.add(s.table()));
        out.addAll(broadcast);
        return out;
    }
}
