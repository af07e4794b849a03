package io.strata.router.reshard;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a resharding run will do: a list of moves, each a set of slot ranges changing owner from
 * one shard to another. Made by {@link Resharding#planAddShards} (or built by hand with
 * {@link #of}); nothing happens until {@link Resharding#start(MovePlan)}.
 *
 * @param id the plan's id, unique in the journal ({@code [a-z0-9_]}, at most 40 characters)
 * @param moves the moves, each from one source to one target
 */
public record MovePlan(String id, List<Move> moves) {

    /** An inclusive range of slots. */
    public record SlotRange(int lo, int hi) {
        public SlotRange {
            if (lo < 0 || hi < lo) {
                throw new IllegalArgumentException("slot range must have 0 <= lo <= hi but was " + lo + "-" + hi);
            }
        }

        /** The number of slots. */
        public int size() {
            return hi - lo + 1;
        }

        @Override
        public String toString() {
            return lo + "-" + hi;
        }
    }

    /**
     * One move.
     *
     * @param id unique in the journal: {@code <plan id>_<n>}
     * @param source the shard that owns the slots now
     * @param target the shard that will own them
     * @param ranges the slots, disjoint and ascending
     * @param newShard whether the target owns no slot yet (it then also receives the broadcast tables)
     */
    public record Move(String id, String source, String target, List<SlotRange> ranges, boolean newShard) {
        public Move {
            Objects.requireNonNull(id, "id cannot be null");
            Objects.requireNonNull(source, "source cannot be null");
            Objects.requireNonNull(target, "target cannot be null");
            if (source.equals(target)) {
                throw new IllegalArgumentException("a move's source and target must differ but both were " + source);
            }
            ranges = List.copyOf(ranges);
            if (ranges.isEmpty()) {
                throw new IllegalArgumentException("a move needs at least one slot range");
            }
        }

        /** How many slots move. */
        public int slotCount() {
            return ranges.stream().mapToInt(SlotRange::size).sum();
        }

        /** The ranges as text, {@code lo-hi,lo-hi}. */
        public String rangesText() {
            StringBuilder s = new StringBuilder();
            for (SlotRange r : ranges) {
                if (s.length() > 0) {
                    s.append(',');
                }
                s.append(r);
            }
            return s.toString();
        }

        /** Parses {@link #rangesText()}. */
        public static List<SlotRange> parseRanges(String text) {
            List<SlotRange> out = new ArrayList<>();
            for (String part : text.split(",")) {
                int dash = part.indexOf('-');
                out.add(new SlotRange(
                        Integer.parseInt(part.substring(0, dash).trim()),
                        Integer.parseInt(part.substring(dash + 1).trim())));
            }
            return out;
        }
    }

    public MovePlan {
        Objects.requireNonNull(id, "id cannot be null");
        if (!id.matches("[a-z0-9_]{1,40}")) {
            throw new IllegalArgumentException("plan id must match [a-z0-9_]{1,40} but was '" + id + "'");
        }
        moves = List.copyOf(moves);
    }

    /** A plan of explicit moves. */
    public static MovePlan of(String id, List<Move> moves) {
        return new MovePlan(id, moves);
    }

    /** One line per move, for logs and the CLI. */
    public String describe() {
        StringBuilder s = new StringBuilder("plan " + id + ":\n");
        for (Move m : moves) {
            s.append("  ")
                    .append(m.id())
                    .append(": slots ")
                    .append(m.rangesText())
                    .append(" (")
                    .append(m.slotCount())
                    .append(") ")
                    .append(m.source())
                    .append(" -> ")
                    .append(m.target())
                    .append(m.newShard() ? " (new shard: broadcast tables copied whole)" : "")
                    .append('\n');
        }
        return s.toString();
    }
}
