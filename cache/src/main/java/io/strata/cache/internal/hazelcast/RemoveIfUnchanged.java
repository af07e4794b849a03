package io.strata.cache.internal.hazelcast;

import com.hazelcast.map.EntryProcessor;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * Removes flushed write-behind entries in one operation per partition, each only if its version is
 * still the one that was written to the store (a put that arrived meanwhile stays queued). Runs on
 * the members, so every member needs strata-cache on its class path (members embed it).
 */
final class RemoveIfUnchanged implements EntryProcessor<String, byte[], Boolean> {

    private static final long serialVersionUID = 1L;
    private static final int VERSION_OFFSET = 4; // magic (2), format (1), flags (1), then the version

    private final HashMap<String, Long> flushedVersions;

    RemoveIfUnchanged(Map<String, Long> flushedVersions) {
        this.flushedVersions = new HashMap<>(flushedVersions);
    }

    @Override
    public Boolean process(Map.Entry<String, byte[]> entry) {
        byte[] bytes = entry.getValue();
        Long flushed = flushedVersions.get(entry.getKey());
        if (bytes == null || flushed == null || bytes.length < VERSION_OFFSET + 8) {
            return false;
        }
        if (ByteBuffer.wrap(bytes, VERSION_OFFSET, 8).getLong() != flushed) {
            return false;
        }
        entry.setValue(null);
        return true;
    }
}
