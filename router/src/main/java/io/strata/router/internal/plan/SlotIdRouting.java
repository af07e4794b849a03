package io.strata.router.internal.plan;

import io.strata.router.IdGenerator;
import io.strata.router.KeyType;
import io.strata.router.ShardMap;
import io.strata.router.TableRule;
import io.strata.router.internal.SqlStates;
import java.sql.SQLException;
import java.util.List;
import net.sf.jsqlparser.expression.Expression;

/**
 * Routing by ids that carry their row's slot ({@link TableRule#withSlotId}): a statement that
 * names rows of such a table by id alone ({@code id = ?}, {@code id IN (...)}, {@code id = ANY(?)})
 * goes to the shards owning the slots in those ids, and an UPDATE that sets the shard key is
 * accepted only when the new key's slot is the slot the row already has (so the row stays where its
 * id says it is); otherwise it is refused with {@link SqlStates#CHANGES_SHARD_KEY}.
 */
final class SlotIdRouting {

    private SlotIdRouting() {}

    /** The id conditions of the table's slot-carrying id column, or null. */
    static List<KeySource> idKeys(List<Expression> conjuncts, String table, String alias, TableRule rule) {
        if (rule.slotIdColumn() == null) {
            return null;
        }
        TableRule byId = TableRule.sharded(rule.table(), rule.slotIdColumn(), KeyType.LONG);
        return KeyConditions.keys(conjuncts, List.of(new KeyConditions.Occurrence(table, alias, byId)));
    }

    /** The slot an id value carries. */
    static int slotOfId(Object id, ShardMap map) throws SQLException {
        long value = (Long) KeyType.LONG.canonical(id);
        int slot = IdGenerator.slotOf(value, map.slots());
        if (slot < 0) {
            throw new SQLException(
                    "Strata: id " + value + " carries no slot of this shard map (" + map.slots() + " slots), so the"
                            + " row cannot be found by its id alone; add the shard key to the WHERE clause.",
                    SqlStates.NO_SHARD_KEY);
        }
        return slot;
    }

    /** Refuses a SET of the shard key to a value whose slot differs from the rows' slot. */
    static void checkSetKey(Object newKey, KeyType keyType, int rowSlot, ShardMap map) throws SQLException {
        int newSlot = map.slotOf(newKey, keyType);
        if (newSlot != rowSlot) {
            throw new SQLException(
                    "Strata: the UPDATE changes shard key to " + newKey + " (slot " + newSlot + ") but the row is in"
                            + " slot " + rowSlot + "; moving a row between slots is not supported. Delete and"
                            + " re-insert it (with a new id) instead.",
                    SqlStates.CHANGES_SHARD_KEY);
        }
    }
}
