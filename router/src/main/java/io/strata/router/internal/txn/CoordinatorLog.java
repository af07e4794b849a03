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
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The two-phase commit coordinator's durable decisions: an append-only file of lines
 * {@code C <txid>} (commit decided; forced to disk before any COMMIT PREPARED is sent) and
 * {@code D <txid>} (every shard committed). Presumed abort: a prepared transaction whose id has no
 * {@code C} line was never decided and is rolled back at recovery.
 *
 * <p>Group commit: {@link #commitDecided} returns only once its line is on disk, but concurrent
 * transactions share one {@code force}. Each caller appends its line to a buffer and takes a
 * ticket; the first to take the I/O lock writes everything buffered so far and forces once, which
 * makes every ticket up to the last one it wrote durable; callers whose ticket is already durable
 * when they get the lock return without forcing. While one force runs, the next callers' lines
 * gather in the buffer and go out together with the next force.
 *
 * <p>Concurrency: the buffer and tickets are guarded by {@code this}; the channel by {@code io}
 * (taken before {@code this} when both are needed). One coordinator (one JVM) owns one file.
 */
public final class CoordinatorLog implements AutoCloseable {

    /** Forces the channel; replaced in tests to hold a force open. */
    interface Forcer {
        void force(FileChannel channel) throws IOException;
    }

    private final Path file;
    private final Forcer forcer;
    private final ReentrantLock io = new ReentrantLock();
    private FileChannel channel;

    // guarded by this
    private final StringBuilder buffer = new StringBuilder();
    private long appended;
    // guarded by io; read under io
    private long durable;
    /** Failed writes or forces: the tickets each covered are not durable (rare; kept for their waiters). */
    private final List<Failed> failures = new java.util.ArrayList<>();
    /** A write failed mid-line: the next write starts on a new line so a torn line stays alone. */
    private boolean torn;

    private final AtomicLong decisions = new AtomicLong();
    private final AtomicLong forces = new AtomicLong();

    /** Opens (creating if needed) the log file. */
    public CoordinatorLog(Path file) {
        this(file, channel -> channel.force(false));
    }

    CoordinatorLog(Path file, Forcer forcer) {
        this.file = file.toAbsolutePath();
        this.forcer = forcer;
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

    /** Commit decisions recorded durably so far. */
    public long decisions() {
        return decisions.get();
    }

    /** Forces of the file so far (fewer than {@link #decisions()} when concurrent decisions shared one). */
    public long forces() {
        return forces.get();
    }

    /** Lines appended so far (tests: to see callers waiting behind a force). */
    synchronized long appendedForTest() {
        return appended;
    }

    /** Records, durably, that {@code txid} commits; concurrent callers share one force. */
    public void commitDecided(String txid) throws IOException {
        long ticket;
        synchronized (this) {
            buffer.append("C ").append(txid).append('\n');
            ticket = ++appended;
        }
        io.lock();
        try {
            if (ticket > durable) {
                flush(true);
            }
            for (Failed f : failures) {
                if (ticket > f.after() && ticket <= f.through()) {
                    throw new IOException(
                            "the coordinator log could not be written or forced: "
                                    + f.cause().getMessage(),
                            f.cause());
                }
            }
        } finally {
            io.unlock();
        }
        decisions.incrementAndGet();
    }

    /** Records that every shard of {@code txid} committed (not forced: recovery re-checks anyway). */
    public void done(String txid) {
        synchronized (this) {
            buffer.append("D ").append(txid).append('\n');
            appended++;
        }
    }

    private record Failed(long after, long through, IOException cause) {}

    /** Writes the buffer (and forces when asked); the caller holds {@code io}. */
    private void flush(boolean force) {
        String text;
        long through;
        synchronized (this) {
            text = buffer.toString();
            buffer.setLength(0);
            through = appended;
        }
        long before = durable;
        try {
            if (!text.isEmpty()) {
                ByteBuffer bytes = ByteBuffer.wrap(((torn ? "\n" : "") + text).getBytes(StandardCharsets.US_ASCII));
                torn = true;
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                torn = false;
            }
            if (force) {
                forcer.force(channel);
                forces.incrementAndGet();
            }
            durable = through;
        } catch (IOException e) {
            failures.add(new Failed(before, through, e));
            durable = through; // not durable, but never retried: every ticket up to here fails
        }
    }

    /** The txids with a commit decision. */
    public Set<String> committed() throws IOException {
        Set<String> out = new HashSet<>();
        for (String line : lines()) {
            if (line.startsWith("C ")) {
                out.add(line.substring(2).trim());
            }
        }
        return out;
    }

    /** The txids decided but not known to be done on every shard. */
    public Set<String> pending() throws IOException {
        List<String> lines = lines();
        Set<String> out = new HashSet<>();
        for (String line : lines) {
            if (line.startsWith("C ")) {
                out.add(line.substring(2).trim());
            }
        }
        for (String line : lines) {
            if (line.startsWith("D ")) {
                out.remove(line.substring(2).trim());
            }
        }
        return out;
    }

    private List<String> lines() throws IOException {
        io.lock();
        try {
            flush(false);
            return Files.readAllLines(file, StandardCharsets.US_ASCII);
        } finally {
            io.unlock();
        }
    }

    /** Rewrites the file keeping only the given decisions (after a recovery that resolved the rest). */
    public void compact(Set<String> keep) throws IOException {
        io.lock();
        try {
            flush(false);
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
            channel = FileChannel.open(
                    file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            torn = false;
        } finally {
            io.unlock();
        }
    }

    @Override
    public void close() throws IOException {
        io.lock();
        try {
            flush(false);
            channel.close();
        } finally {
            io.unlock();
        }
    }
}
