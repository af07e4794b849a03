package io.strata.cache.internal.hazelcast;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The L2 half of "no tier keeps an older version than one it was given": stores an encoded entry
 * with its TTL unless the map holds one with a higher version, in one operation on the partition
 * owner (so two racing puts of one key leave the newer one, whatever order they arrive in). Bytes
 * that are not an entry (no magic) are overwritten. Runs on the members, so every member needs
 * strata-cache on its class path (members embed it).
 */
final class PutIfNewer implements EntryProcessor<String, byte[], Boolean> {

    private static final long serialVersionUID = 1L;
    private static final int VERSION_OFFSET = 4; // magic (2), format (1), flags (1), then the version
    private static final short MAGIC = (short) 0x5354;

    private final byte[] bytes;
    private final long ttlMillis;

    PutIfNewer(byte[] bytes, long ttlMillis) {
        this.bytes = bytes;
        this.ttlMillis = ttlMillis;
    }

    static long version(byte[] encoded) {
        if (encoded == null || encoded.length < VERSION_OFFSET + 8) {
            return Long.MIN_VALUE;
        }
        ByteBuffer buf = ByteBuffer.wrap(encoded);
        return buf.getShort(0) == MAGIC ? buf.getLong(VERSION_OFFSET) : Long.MIN_VALUE;
    }

    @Override
    public Boolean process(Map.Entry<String, byte[]> entry) {
        if (version(entry.getValue()) > version(bytes)) {
            return false;
        }
        ((ExtendedMapEntry<String, byte[]>) entry).setValue(bytes, ttlMillis, TimeUnit.MILLISECONDS);
        return true;
    }
}
