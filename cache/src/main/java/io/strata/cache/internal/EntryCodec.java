package io.strata.cache.internal;

import io.strata.cache.Codec;
import java.nio.ByteBuffer;

/**
 * Entries as bytes for remote tiers and queues: a 2-byte magic and format, a flags byte, the
 * version and the three times, then the value codec's payload. Decoding distrusts the bytes: any
 * inconsistency is a {@link CorruptEntryException}.
 */
public final class EntryCodec<V> {

    private static final short MAGIC = (short) 0x5354; // "ST"
    private static final byte FORMAT = 1;
    private static final byte NEGATIVE = 1;
    private static final int HEADER = 2 + 1 + 1 + 8 * 4;

    private final Codec<V> codec;

    public EntryCodec(Codec<V> codec) {
        this.codec = codec;
    }

    public Codec<V> valueCodec() {
        return codec;
    }

    public byte[] encode(Entry<V> entry) {
        V value = entry.value(); // null exactly when entry.negative()
        byte[] payload = value == null ? new byte[0] : codec.encode(value);
        ByteBuffer buf = ByteBuffer.allocate(HEADER + payload.length);
        buf.putShort(MAGIC)
                .put(FORMAT)
                .put(entry.negative() ? NEGATIVE : 0)
                .putLong(entry.version())
                .putLong(entry.createdAt())
                .putLong(entry.freshUntil())
                .putLong(entry.staleUntil())
                .put(payload);
        return buf.array();
    }

    public Entry<V> decode(byte[] bytes) {
        if (bytes == null || bytes.length < HEADER) {
            throw new CorruptEntryException("entry shorter than its header");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        if (buf.getShort() != MAGIC || buf.get() != FORMAT) {
            throw new CorruptEntryException("bad magic or format");
        }
        byte flags = buf.get();
        long version = buf.getLong();
        long createdAt = buf.getLong();
        long freshUntil = buf.getLong();
        long staleUntil = buf.getLong();
        if (staleUntil < freshUntil || freshUntil < createdAt) {
            throw new CorruptEntryException("inconsistent times");
        }
        if ((flags & ~NEGATIVE) != 0) {
            throw new CorruptEntryException("unknown flags " + flags);
        }
        V value = null;
        if ((flags & NEGATIVE) == 0) {
            byte[] payload = new byte[buf.remaining()];
            buf.get(payload);
            try {
                value = codec.decode(payload);
            } catch (RuntimeException e) {
                throw new CorruptEntryException("value does not decode: " + e.getMessage(), e);
            }
            if (value == null) {
                throw new CorruptEntryException("value decodes to null");
            }
        } else if (buf.hasRemaining()) {
            throw new CorruptEntryException("negative entry with a payload");
        }
        return new Entry<>(value, version, createdAt, freshUntil, staleUntil);
    }
}
