package io.strata.sample;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ShopMember} child JVM, started with this JVM's class path, and the parent's view of it:
 * the lines it printed (progress, acknowledged writes, its summary) and the commands it is sent.
 * Its stderr (logs) goes to {@code <workDir>/<member>.log}.
 */
final class MemberProcess implements AutoCloseable {

    final String name;
    final Path log;
    private final Process process;
    private final Writer commands;
    private final CountDownLatch closed = new CountDownLatch(1);
    final CompletableFuture<String> statusUrl = new CompletableFuture<>();
    final CompletableFuture<Summary> summary = new CompletableFuture<>();
    volatile long operations;
    volatile long staleReads;
    volatile long errors;
    volatile long drainedPending = -1;
    private volatile boolean readySeen;

    private MemberProcess(String name, Path log, Process process, AcknowledgedWrites acknowledged) {
        this.name = name;
        this.log = log;
        this.process = process;
        this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> read(acknowledged), "shop-" + name + "-reader");
        reader.setDaemon(true);
        reader.start();
    }

    static MemberProcess start(MemberSettings settings, Path settingsFile, AcknowledgedWrites acknowledged)
            throws IOException {
        settings.write(settingsFile);
        Path log = settings.workDir().resolve(settings.memberName() + ".log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Dhazelcast.logging.type=slf4j",
                "-Dhazelcast.phone.home.enabled=false",
                "-cp",
                classPath(),
                ShopMember.class.getName(),
                settingsFile.toString()));
        Process p = new ProcessBuilder(command).redirectError(log.toFile()).start();
        return new MemberProcess(settings.memberName(), log, p, acknowledged);
    }

    /**
     * This JVM's class path: the URLs of the context class loader when it has its own (as under
     * {@code mvn exec:java}), else {@code java.class.path}.
     */
    static String classPath() {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        if (cl instanceof URLClassLoader u && u.getURLs().length > 0) {
            List<String> entries = new ArrayList<>();
            for (URL url : u.getURLs()) {
                try {
                    entries.add(Path.of(url.toURI()).toString());
                } catch (URISyntaxException | IllegalArgumentException e) {
                    // not a file; a child cannot use it
                }
            }
            return String.join(File.pathSeparator, entries);
        }
        return System.getProperty("java.class.path");
    }

    private void read(AcknowledgedWrites acknowledged) {
        try (BufferedReader r =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                int space = line.indexOf(' ');
                String kind = space < 0 ? line : line.substring(0, space);
                String rest = space < 0 ? "" : line.substring(space + 1);
                switch (kind) {
                    case "ack" -> acknowledged.record(rest);
                    case "progress" -> {
                        String[] f = rest.split(" ");
                        operations = Long.parseLong(f[0]);
                        staleReads = Long.parseLong(f[1]);
                        errors = Long.parseLong(f[2]);
                    }
                    case "ready" -> {
                        readySeen = true;
                    }
                    case "status-url" -> statusUrl.complete(rest);
                    case "summary" -> summary.complete(Summary.fromJson(rest));
                    case "drained" -> drainedPending = Long.parseLong(rest);
                    case "closed" -> closed.countDown();
                    default -> {}
                }
            }
        } catch (IOException | RuntimeException e) {
            summary.completeExceptionally(e);
        } finally {
            summary.completeExceptionally(new IllegalStateException(name + " ended without a summary; see " + log));
            closed.countDown();
        }
    }

    /** Whether the member said it joined the full cluster. */
    boolean ready() {
        return readySeen;
    }

    void send(String command) throws IOException {
        commands.write(command + "\n");
        commands.flush();
    }

    /** Asks the member to drain its write-behind entries and stop; waits for it to exit. */
    boolean closeAndWait(long seconds) throws IOException, InterruptedException {
        send("close");
        return closed.await(seconds, TimeUnit.SECONDS) && process.waitFor(seconds, TimeUnit.SECONDS);
    }

    /** Kills the member as {@code kill -9} would and waits for it to be gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The end of the member's log, for error messages. */
    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Kills the member if it still runs. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
