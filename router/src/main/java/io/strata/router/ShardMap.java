package io.strata.router;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.zip.CRC32;

/**
 * A fixed number of hash slots, each assigned to one shard.
 *
 * <p>The slot of a key is {@code CRC-32(canonical bytes) mod slots}, where CRC-32 is the IEEE 802.3
 * polynomial as in zlib, {@link java.util.zip.CRC32}, Python's {@code zlib.crc32} and PostgreSQL
 * tools that use zlib, taken as an unsigned 32-bit number; the canonical bytes are defined by
 * {@link KeyType}. Any tool can therefore compute where a key lives without Strata.
 *
 * <p>Immutable and thread-safe.
 */
public final class ShardMap {

    /** The default number of slots. */
    public static final int DEFAULT_SLOTS = 4096;

    private final List<String> shards;
    private final int[] slotToShard;
    private final boolean[] owns;
    private final List<String> owningShards;

    private ShardMap(List<String> shards, int[] slotToShard) {
        this.shards = List.copyOf(shards);
        this.slotToShard = slotToShard;
        this.owns = new boolean[shards.size()];
        for (int shard : slotToShard) {
            owns[shard] = true;
        }
        List<String> owning = new ArrayList<>();
        for (int i = 0; i < owns.length; i++) {
            if (owns[i]) {
                owning.add(shards.get(i));
            }
        }
        this.owningShards = List.copyOf(owning);
    }

    /**
     * Spreads {@code slots} slots over the shards in contiguous, equal ranges: slot {@code s} goes
     * to shard {@code floor(s * shards / slots)}.
     */
    public static ShardMap uniform(List<String> shardNames, int slots) {
        Objects.requireNonNull(shardNames, "shardNames cannot be null");
        if (shardNames.isEmpty()) {
            throw new IllegalArgumentException("shardNames cannot be empty");
        }
        if (slots < shardNames.size()) {
            throw new IllegalArgumentException(
                    "slots must be at least the number of shards (" + shardNames.size() + ") but was " + slots);
        }
        if (new java.util.HashSet<>(shardNames).size() != shardNames.size()) {
            throw new IllegalArgumentException("shardNames must be distinct but was " + shardNames);
        }
        int[] map = new int[slots];
        for (int s = 0; s < slots; s++) {
            map[s] = (int) ((long) s * shardNames.size() / slots);
        }
        return new ShardMap(shardNames, map);
    }

    /** {@link #uniform(List, int)} with {@value #DEFAULT_SLOTS} slots. */
    public static ShardMap uniform(List<String> shardNames) {
        return uniform(shardNames, DEFAULT_SLOTS);
    }

    /**
     * A map with an explicit assignment: {@code slotToShard[s]} is the index into {@code shardNames}
     * of the shard that owns slot {@code s}. A shard may own no slot (a spare shard of online
     * resharding, waiting for a move into it); {@link #owningShards()} leaves such shards out.
     */
    public static ShardMap of(List<String> shardNames, int[] slotToShard) {
        Objects.requireNonNull(shardNames, "shardNames cannot be null");
        Objects.requireNonNull(slotToShard, "slotToShard cannot be null");
        if (slotToShard.length == 0) {
            throw new IllegalArgumentException("slotToShard cannot be empty");
        }
        boolean[] owns = new boolean[shardNames.size()];
        for (int s = 0; s < slotToShard.length; s++) {
            int shard = slotToShard[s];
            if (shard < 0 || shard >= shardNames.size()) {
                throw new IllegalArgumentException("slotToShard[" + s + "] must name a shard index below "
                        + shardNames.size() + " but was " + shard);
            }
            owns[shard] = true;
        }
        if (new java.util.HashSet<>(shardNames).size() != shardNames.size()) {
            throw new IllegalArgumentException("shardNames must be distinct but was " + shardNames);
        }
        return new ShardMap(shardNames, slotToShard.clone());
    }

    /** The stable hash: unsigned CRC-32 (IEEE) of the bytes. */
    public static long hash(byte[] canonicalBytes) {
        CRC32 crc = new CRC32();
        crc.update(canonicalBytes);
        return crc.getValue();
    }

    /** The number of slots. */
    public int slots() {
        return slotToShard.length;
    }

    /** The shard names, in index order. */
    public List<String> shards() {
        return shards;
    }

    /** The shards that own at least one slot, in index order (all of them unless some are spare). */
    public List<String> owningShards() {
        return owningShards;
    }

    /** Whether the shard at an index owns at least one slot (false for a spare shard). */
    public boolean ownsSlots(int shardIndex) {
        return owns[shardIndex];
    }

    /** The slot of a key of the given declared type. */
    public int slotOf(Object key, KeyType type) throws SQLException {
        long hash = type == KeyType.LONG ? hashLong(KeyType.longKey(key)) : hash(type.canonicalBytes(key));
        return (int) (hash % slotToShard.length);
    }

    /** CRC-32 (IEEE, reflected polynomial 0xEDB88320) of one byte value, for {@link #hashLong}. */
    private static final int[] CRC_TABLE = new int[256];

    static {
        for (int n = 0; n < 256; n++) {
            int c = n;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1;
            }
            CRC_TABLE[n] = c;
        }
    }

    /**
     * {@link #hash} of a {@link KeyType#LONG} key's canonical bytes (8 bytes big-endian), computed
     * without building them: a routed statement hashes its key without allocating.
     */
    static long hashLong(long key) {
        int c = 0xFFFFFFFF;
        for (int shift = 56; shift >= 0; shift -= 8) {
            c = CRC_TABLE[(c ^ (int) (key >>> shift)) & 0xFF] ^ (c >>> 8);
        }
        return ~c & 0xFFFFFFFFL;
    }

    /** The index of the shard that owns a key. */
    public int shardIndexOf(Object key, KeyType type) throws SQLException {
        return slotToShard[slotOf(key, type)];
    }

    /**
     * The index of the shard that owns a {@link KeyType#LONG} key: the same as
     * {@code shardIndexOf(key, KeyType.LONG)}, without boxing the key.
     */
    public int shardIndexOfLong(long key) {
        return slotToShard[(int) (hashLong(key) % slotToShard.length)];
    }

    /** The name of the shard that owns a key. */
    public String shardOf(Object key, KeyType type) throws SQLException {
        return shards.get(shardIndexOf(key, type));
    }

    /** The index of the shard that owns a slot. */
    public int shardIndexOfSlot(int slot) {
        return slotToShard[slot];
    }

    /** The slots a shard owns, ascending. */
    public List<Integer> slotsOf(String shard) {
        int index = shards.indexOf(shard);
        if (index < 0) {
            return Collections.emptyList();
        }
        List<Integer> out = new ArrayList<>();
        for (int s = 0; s < slotToShard.length; s++) {
            if (slotToShard[s] == index) {
                out.add(s);
            }
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ShardMap m && m.shards.equals(shards) && Arrays.equals(m.slotToShard, slotToShard);
    }

    @Override
    public int hashCode() {
        return shards.hashCode() * 31 + Arrays.hashCode(slotToShard);
    }

    @Override
    public String toString() {
        return "ShardMap{slots=" + slotToShard.length + ", shards=" + shards + "}";
    }
}
