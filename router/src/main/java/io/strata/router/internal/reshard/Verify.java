package io.strata.router.internal.reshard;

import io.strata.router.reshard.MovePlan;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Verification of a caught-up move: its slots are cut into chunks; for each chunk the source is
 * briefly fenced on that chunk (as at cutover: fence, wait for older transactions, drain), the
 * chunk's row count and checksum are read on both sides, and the fence is lifted. Both sides are
 * then read at the same point of the source's history, so a difference is real. The number of
 * verified chunks is journaled, so an interrupted verify resumes at the next chunk. A chunk that
 * cannot drain within {@code cutoverDeadline} is unfenced and reported (SR023); run verify again.
 */
final class Verify {

    private final MoverTables tables;
    private final MoverSettings settings;
    private final Journal journal;

    Verify(MoverTables tables, MoverSettings settings, Journal journal) {
        this.tables = tables;
        this.settings = settings;
        this.journal = journal;
    }

    /** The chunks: the move's slots cut into {@code verifyChunks} ranges (fewer when it has fewer slots). */
    static List<List<MovePlan.SlotRange>> chunks(MovePlan.Move move, int chunks) {
        List<Integer> slots = new ArrayList<>();
        for (MovePlan.SlotRange r : move.ranges()) {
            for (int s = r.lo(); s <= r.hi(); s++) {
                slots.add(s);
            }
        }
        int n = Math.min(chunks, slots.size());
        List<List<MovePlan.SlotRange>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<Integer> part = slots.subList(i * slots.size() / n, (i + 1) * slots.size() / n);
            List<MovePlan.SlotRange> ranges = new ArrayList<>();
            int lo = part.get(0);
            int prev = lo;
            for (int j = 1; j < part.size(); j++) {
                if (part.get(j) != prev + 1) {
                    ranges.add(new MovePlan.SlotRange(lo, prev));
                    lo = part.get(j);
                }
                prev = part.get(j);
            }
            ranges.add(new MovePlan.SlotRange(lo, prev));
            out.add(ranges);
        }
        return out;
    }

    void run(ShardEndpoint sourceEndpoint, ShardEndpoint targetEndpoint, Journal.Entry entry) throws SQLException {
        MovePlan.Move move = entry.move();
        List<List<MovePlan.SlotRange>> chunks = chunks(move, settings.verifyChunks());
        try (Connection source = sourceEndpoint.connect();
                Connection target = targetEndpoint.connect();
                Connection meta = journal.endpoint().connect()) {
            MetaStore.MapEpoch current = MoverMap.current(meta);
            long epoch = current == null ? 0 : current.epoch();
            for (int i = entry.verifiedChunks(); i < chunks.size(); i++) {
                List<MovePlan.SlotRange> chunk = chunks.get(i);
                // The broadcast tables of a new shard are compared whole, with the first chunk.
                List<String> broadcast = move.newShard() && i == 0 ? tables.broadcast() : List.of();
                List<String> mismatches = new ArrayList<>();
                String xmax = Fence.fence(source, tables, chunk, broadcast, settings.slots(), epoch);
                try {
                    long deadline =
                            System.nanoTime() + settings.cutoverDeadline().toNanos();
                    while (!Fence.olderTransactionsEnded(source, xmax)) {
                        if (System.nanoTime() > deadline) {
                            throw Mover.rejected("verify of move " + move.id() + " chunk " + chunk
                                    + ": older transactions did not end within " + settings.cutoverDeadline()
                                    + "; run verify again");
                        }
                        Mover.pause(settings.poll());
                    }
                    String lsn = CopyPhase.currentLsn(source);
                    while (!CopyPhase.confirmed(source, move, lsn)) {
                        if (System.nanoTime() > deadline) {
                            throw Mover.rejected("verify of move " + move.id() + " chunk " + chunk
                                    + ": the drain exceeded " + settings.cutoverDeadline() + "; run verify again");
                        }
                        Mover.pause(settings.poll());
                    }
                    for (MoverTables.Sharded t : tables.sharded()) {
                        String sql = "SELECT count(*)::text || ':' || coalesce(sum(('x' || substr(md5(x::text), 1, 15))"
                                + "::bit(60)::bigint), 0)::text FROM " + Sql.ident(t.table()) + " x WHERE "
                                + CopyPhase.inRanges(t, chunk, settings.slots());
                        String a = Sql.string(source, sql, CopyPhase.rangeParams(chunk));
                        String b = Sql.string(target, sql, CopyPhase.rangeParams(chunk));
                        if (!Objects.equals(a, b)) {
                            mismatches.add(t.table() + " slots " + chunk + ": source " + a + " target " + b
                                    + " (rows:checksum)");
                        }
                    }
                    for (String bt : broadcast) {
                        String sql = "SELECT count(*)::text || ':' || coalesce(sum(('x' || substr(md5(x::text), 1, 15))"
                                + "::bit(60)::bigint), 0)::text FROM " + Sql.ident(bt) + " x";
                        String a = Sql.string(source, sql);
                        String b = Sql.string(target, sql);
                        if (!Objects.equals(a, b)) {
                            mismatches.add("broadcast " + bt + ": source " + a + " target " + b);
                        }
                    }
                } finally {
                    Fence.unfence(source, tables, chunk, broadcast, settings.slots());
                }
                if (!mismatches.isEmpty()) {
                    String msg = "verify of move " + move.id() + " found differences: " + String.join("; ", mismatches);
                    journal.error(move.id(), msg);
                    throw Mover.rejected(msg + "; abort the move");
                }
                journal.verifiedChunks(move.id(), i + 1);
            }
        }
    }
}
