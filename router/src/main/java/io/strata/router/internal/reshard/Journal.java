package io.strata.router.internal.reshard;

import io.strata.router.reshard.MovePlan;
import io.strata.router.reshard.MoveStatus.Phase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The move journal, {@code strata_meta.moves} on the metadata shard: one row per move, its phase and
 * progress. Phase changes are compare-and-set on the phase ({@code WHERE phase = expected}), so a
 * second mover that lost track cannot drive a move backwards; the switch writes SWITCHED in the
 * same transaction as the new map epoch (see {@code Cutover}).
 */
final class Journal {

    /** One journal row. */
    record Entry(
            MovePlan.Move move,
            String planId,
            Phase phase,
            long rowsTotal,
            long rowsCopied,
            int verifiedChunks,
            @Nullable Long baseEpoch,
            @Nullable Long switchEpoch,
            @Nullable String error,
            double secondsSinceStart) {}

    private final ShardEndpoint meta;

    Journal(ShardEndpoint meta) {
        this.meta = meta;
    }

    ShardEndpoint endpoint() {
        return meta;
    }

    void install() throws SQLException {
        try (Connection c = meta.connect()) {
            c.setAutoCommit(false);
            Sql.exec(c, "SELECT pg_advisory_xact_lock(7403216583)");
            MoverSchema.installJournal(c);
            c.commit();
        }
    }

    /** Records a plan's moves as PLANNED; fails (SR023) when a move id exists already. */
    void insert(MovePlan plan) throws SQLException {
        try (Connection c = meta.connect()) {
            c.setAutoCommit(false);
            for (MovePlan.Move m : plan.moves()) {
                if (Sql.string(c, "SELECT phase FROM strata_meta.moves WHERE move_id = ?", m.id()) != null) {
                    c.rollback();
                    throw Mover.rejected("move " + m.id() + " is already in the journal; choose another plan id");
                }
                Sql.update(
                        c,
                        "INSERT INTO strata_meta.moves (move_id, plan_id, source, target, ranges, new_shard, phase)"
                                + " VALUES (?, ?, ?, ?, ?, ?, ?)",
                        m.id(),
                        plan.id(),
                        m.source(),
                        m.target(),
                        m.rangesText(),
                        m.newShard(),
                        Phase.PLANNED.name());
            }
            c.commit();
        }
    }

    /** Every move not finished (or, with {@code all}, every move), oldest first. */
    List<Entry> entries(boolean all) throws SQLException {
        List<Entry> out = new ArrayList<>();
        try (Connection c = meta.connect();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT move_id, plan_id, source, target, ranges, new_shard, phase, rows_total, rows_copied,"
                                + " verified_chunks, base_epoch, switch_epoch, error,"
                                + " extract(epoch FROM now() - started_at)"
                                + " FROM strata_meta.moves"
                                + (all ? "" : " WHERE phase NOT IN ('DONE', 'ABORTED')")
                                + " ORDER BY started_at, move_id")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    MovePlan.Move m = new MovePlan.Move(
                            rs.getString(1),
                            rs.getString(3),
                            rs.getString(4),
                            MovePlan.Move.parseRanges(rs.getString(5)),
                            rs.getBoolean(6));
                    long base = rs.getLong(11);
                    Long baseEpoch = rs.wasNull() ? null : base;
                    long sw = rs.getLong(12);
                    Long switchEpoch = rs.wasNull() ? null : sw;
                    out.add(new Entry(
                            m,
                            rs.getString(2),
                            Phase.valueOf(rs.getString(7)),
                            rs.getLong(8),
                            rs.getLong(9),
                            rs.getInt(10),
                            baseEpoch,
                            switchEpoch,
                            rs.getString(13),
                            rs.getDouble(14)));
                }
            }
        }
        return out;
    }

    @Nullable
    Entry entry(String moveId) throws SQLException {
        for (Entry e : entries(true)) {
            if (e.move().id().equals(moveId)) {
                return e;
            }
        }
        return null;
    }

    /** Moves a journal row from {@code from} to {@code to}; false when it was not in {@code from}. */
    boolean advance(String moveId, Phase from, Phase to) throws SQLException {
        try (Connection c = meta.connect()) {
            return advance(c, moveId, from, to);
        }
    }

    static boolean advance(Connection c, String moveId, Phase from, Phase to) throws SQLException {
        return Sql.update(
                        c,
                        "UPDATE strata_meta.moves SET phase = ?, error = NULL, updated_at = now()"
                                + " WHERE move_id = ? AND phase = ?",
                        to.name(),
                        moveId,
                        from.name())
                == 1;
    }

    void progress(String moveId, long rowsTotal, long rowsCopied) throws SQLException {
        try (Connection c = meta.connect()) {
            Sql.update(
                    c,
                    "UPDATE strata_meta.moves SET rows_total = ?, rows_copied = ?, updated_at = now() WHERE move_id = ?",
                    rowsTotal,
                    rowsCopied,
                    moveId);
        }
    }

    void verifiedChunks(String moveId, int chunks) throws SQLException {
        try (Connection c = meta.connect()) {
            Sql.update(
                    c,
                    "UPDATE strata_meta.moves SET verified_chunks = ?, updated_at = now() WHERE move_id = ?",
                    chunks,
                    moveId);
        }
    }

    void error(String moveId, @Nullable String error) throws SQLException {
        try (Connection c = meta.connect()) {
            Sql.update(
                    c, "UPDATE strata_meta.moves SET error = ?, updated_at = now() WHERE move_id = ?", error, moveId);
        }
    }
}
