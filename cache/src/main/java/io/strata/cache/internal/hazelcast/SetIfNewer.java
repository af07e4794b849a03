package io.strata.cache.internal.hazelcast;

import com.hazelcast.map.EntryProcessor;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * Queues an encoded write-behind entry unless the queue already holds the same key with a higher
 * or equal version, so two puts of one key racing to the partition leave the newer one queued
 * whatever order they arrive in. Runs on the partition owner (and, the same way, on its backups),
 * so every member needs strata-cache on its class path (members embed it). Returns whether it set.
 */
final class SetIfNewer implements EntryProcessor<String, byte[], Boolean> {

    private static final long serialVersionUID = 1L;
    private static final int VERSION_OFFSET = 4; // magic (2), format (1), flags (1), then the version

    private final byte[] bytes;

    SetIfNewer(byte[] bytes) {
        this.bytes = bytes;
    }

    /** The version of an encoded entry, or {@link Long#MIN_VALUE} for bytes too short to hold one. */
    static long version(byte[] encoded) {
        if (encoded == null || encoded.length < VERSION_OFFSET + 8) {
            return Long.MIN_VALUE;
        }
        return ByteBuffer.wrap(encoded, VERSION_OFFSET, 8).getLong();
    }

    @Override
    public Boolean process(Map.Entry<String, byte[]> entry) {
        byte[] current = entry.getValue();
        if (current != null && version(current) >= version(bytes)) {
            return false;
        }
        entry.setValue(bytes);
        return true;
    }
}
