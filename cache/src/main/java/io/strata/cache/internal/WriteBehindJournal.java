package io.strata.cache.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The close journal of one write-behind queue: {@code <folder>/<queue name>.journal}, an append-only
 * file of {@code (key, encoded entry)} records, each with a CRC-32, forced to disk ({@code fsync})
 * before {@link #append} returns.
 *
 * <p>Concurrency: several caches (in one JVM or in several processes sharing the folder) may append
 * to and replay the same file. Every access holds a JVM-wide lock per file and an OS file lock, so
 * a replay never truncates records it did not apply.
 *
 * <p>A record cut short by a crash during an append (its CRC fails or it ends early) and everything
 * after it is ignored: those entries were never reported as spilled, they were still in the queue.
 */
public final class WriteBehindJournal {

    private static final Logger LOG = LoggerFactory.getLogger(WriteBehindJournal.class);
    private static final int MAGIC = 0x53574a31; // "SWJ1"
    private static final Map<Path, Object> JVM_LOCKS = new ConcurrentHashMap<>();

    private final Path folder;
    private final Path file;

    /** The journal of queue {@code queueName} in {@code folder}. */
    public WriteBehindJournal(Path folder, String queueName) {
        this.folder = folder.toAbsolutePath();
        this.file = this.folder.resolve(queueName + ".journal");
    }

    /** The journal file. */
    public Path file() {
        return file;
    }

    private Object jvmLock() {
        return JVM_LOCKS.computeIfAbsent(file, f -> new Object());
    }

    /** Appends {@code records} (key to encoded entry) and forces them to disk. */
    public void append(Map<String, byte[]> records) throws IOException {
        if (records.isEmpty()) {
            return;
        }
        synchronized (jvmLock()) {
            boolean created = !Files.exists(file);
            Files.createDirectories(folder);
            try (FileChannel ch = FileChannel.open(
                            file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
                    FileLock ignored = ch.lock()) {
                for (Map.Entry<String, byte[]> r : records.entrySet()) {
                    write(ch, record(r.getKey().getBytes(StandardCharsets.UTF_8), r.getValue()));
                }
                ch.force(true);
            }
            if (created) {
                forceFolder(); // the new file's directory entry must survive a crash too
            }
        }
    }

    private static void write(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static ByteBuffer record(byte[] key, byte[] value) {
        CRC32 crc = new CRC32();
        crc.update(key);
        crc.update(value);
        ByteBuffer b = ByteBuffer.allocate(16 + key.length + value.length);
        b.putInt(MAGIC)
                .putInt(key.length)
                .putInt(value.length)
                .put(key)
                .put(value)
                .putInt((int) crc.getValue());
        return b.flip();
    }

    private void forceFolder() {
        try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("cannot fsync folder {}: {}", folder, e.toString());
        }
    }

    /**
     * Reads the journal, keeps the record with the highest {@code version} per key, hands them to
     * {@code apply}, and empties the journal once {@code apply} returned. If {@code apply} throws,
     * the journal is left as it was. Returns how many keys were applied (0 without a journal).
     */
    public int replay(ToLongFunction<byte[]> version, Consumer<Map<String, byte[]>> apply) {
        synchronized (jvmLock()) {
            if (!Files.exists(file)) {
                return 0;
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
                    FileLock ignored = ch.lock()) {
                Map<String, byte[]> latest = read(ch, version);
                if (!latest.isEmpty()) {
                    apply.accept(latest);
                }
                ch.truncate(0);
                ch.force(true);
                return latest.size();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot replay the write-behind journal " + file, e);
            }
        }
    }

    private Map<String, byte[]> read(FileChannel ch, ToLongFunction<byte[]> version) throws IOException {
        long size = ch.size();
        if (size > Integer.MAX_VALUE) {
            throw new IOException("journal " + file + " is larger than 2 GB (" + size + " bytes)");
        }
        ByteBuffer all = ByteBuffer.allocate((int) size);
        while (all.hasRemaining() && ch.read(all, all.position()) >= 0) {
            // read it all
        }
        all.flip();
        Map<String, byte[]> latest = new LinkedHashMap<>();
        int records = 0;
        while (all.remaining() >= 12) {
            int start = all.position();
            int magic = all.getInt();
            int keyLength = all.getInt();
            int valueLength = all.getInt();
            if (magic != MAGIC
                    || keyLength < 0
                    || valueLength < 0
                    || (long) keyLength + valueLength + 4 > all.remaining()) {
                all.position(start);
                break;
            }
            byte[] key = new byte[keyLength];
            byte[] value = new byte[valueLength];
            all.get(key).get(value);
            CRC32 crc = new CRC32();
            crc.update(key);
            crc.update(value);
            if (all.getInt() != (int) crc.getValue()) {
                all.position(start);
                break;
            }
            records++;
            String k = new String(key, StandardCharsets.UTF_8);
            byte[] prev = latest.get(k);
            if (prev == null || version.applyAsLong(prev) < version.applyAsLong(value)) {
                latest.put(k, value);
            }
        }
        if (all.hasRemaining()) {
            LOG.warn(
                    "write-behind journal {}: ignoring {} bytes after {} whole records (an append cut short)",
                    file,
                    all.remaining(),
                    records);
        }
        return latest;
    }
}
