package io.strata.router.internal.txn;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The two-phase commit coordinator's durable decisions: an append-only file of lines
 * {@code C <txid>} (commit decided; forced to disk before any COMMIT PREPARED is sent) and
 * {@code D <txid>} (every shard committed). Presumed abort: a prepared transaction whose id has no
 * {@code C} line was never decided and is rolled back at recovery.
 *
 * <p>Concurrency: appends are synchronized; one coordinator (one JVM) owns one file.
 */
public final class CoordinatorLog implements AutoCloseable {

    private final Path file;
    private FileChannel channel;

    /** Opens (creating if needed) the log file. */
    public CoordinatorLog(Path file) {
        this.file = file.toAbsolutePath();
        try {
            Path dir = this.file.getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            channel = FileChannel.open(
                    this.file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the coordinator log " + this.file, e);
        }
    }

    /** The log file. */
    public Path file() {
        return file;
    }

    /** Records, durably, that {@code txid} commits. */
    public synchronized void commitDecided(String txid) throws IOException {
        append("C " + txid + "\n", true);
    }

    /** Records that every shard of {@code txid} committed (not forced: recovery re-checks anyway). */
    public synchronized void done(String txid) throws IOException {
        append("D " + txid + "\n", false);
    }

    private void append(String line, boolean force) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(line.getBytes(StandardCharsets.US_ASCII));
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        if (force) {
            channel.force(false);
        }
    }

    /** The txids with a commit decision. */
    public synchronized Set<String> committed() throws IOException {
        Set<String> out = new HashSet<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        for (String line : lines) {
            if (line.startsWith("C ")) {
                out.add(line.substring(2).trim());
            }
        }
        return out;
    }

    /** The txids decided but not known to be done on every shard. */
    public synchronized Set<String> pending() throws IOException {
        Set<String> out = committed();
        for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
            if (line.startsWith("D ")) {
                out.remove(line.substring(2).trim());
            }
        }
        return out;
    }

    /** Rewrites the file keeping only the given decisions (after a recovery that resolved the rest). */
    public synchronized void compact(Set<String> keep) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        StringBuilder sb = new StringBuilder();
        for (String txid : keep) {
            sb.append("C ").append(txid).append('\n');
        }
        try (FileChannel out = FileChannel.open(
                tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            out.write(ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.US_ASCII)));
            out.force(true);
        }
        channel.close();
        Files.move(
                tmp,
                file,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        channel =
                FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }
}
