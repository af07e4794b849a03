package io.strata.testkit.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Signals, process trees and the JVM-exit reaper.
 *
 * <p>The reaper is the one piece of JVM-wide state in the testkit, and deliberately so: a shutdown
 * hook is JVM-wide by nature, and its job is that no server and no temp directory outlives the
 * JVM that made it, whatever a test forgot to close.
 */
public final class Processes {

    private static final Set<ProcessHandle> LIVE = ConcurrentHashMap.newKeySet();
    private static final Set<Path> TEMP_DIRS = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Processes::reapAll, "strata-testkit-reaper"));
    }

    private Processes() {}

    /** Fails at once when the JVM runs as root, which PostgreSQL refuses. */
    public static void requireNotRoot() {
        Object uid;
        try {
            uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            uid = System.getProperty("user.name").equals("root") ? 0 : -1;
        }
        if (Integer.valueOf(0).equals(uid)) {
            throw new IllegalStateException("PostgreSQL refuses to run as root, and this JVM runs as root. "
                    + "Run as an unprivileged user; as root, `bash .ci/as-user` creates one and runs a command as it."
                    + " The demo: `bash .ci/as-user mvn -B -ntp -pl sample-app -am package -DskipTests exec:java`;"
                    + " the tests: `bash .ci/run` (or `bash .ci/as-user mvn -B -ntp verify`).");
        }
    }

    /** Remembers a process so the shutdown hook kills it (and its children) if it is still alive. */
    public static void track(ProcessHandle process) {
        LIVE.add(process);
    }

    /** Forgets a process that has exited. */
    public static void untrack(ProcessHandle process) {
        LIVE.remove(process);
    }

    /** Remembers a directory so the shutdown hook deletes it if it still exists. */
    public static void trackTempDir(Path dir) {
        TEMP_DIRS.add(dir);
    }

    /** Deletes a directory tree now and forgets it. */
    public static void deleteTempDir(Path dir) {
        deleteTree(dir);
        TEMP_DIRS.remove(dir);
    }

    /** The process and every descendant, parent first. */
    public static List<ProcessHandle> tree(ProcessHandle root) {
        List<ProcessHandle> all = new ArrayList<>();
        all.add(root);
        root.descendants().forEach(all::add);
        return all;
    }

    /**
     * Sends a signal (TERM, INT, QUIT, KILL, STOP, CONT) to the given pids; returns once the
     * signals are sent (not once they took effect). A process already gone is ignored.
     */
    public static void signal(String signal, List<ProcessHandle> processes) {
        if (processes.isEmpty()) {
            return;
        }
        if (!SIGNALS.contains(signal)) {
            throw new IllegalArgumentException("signal must be one of " + SIGNALS + ", was " + signal);
        }
        StringBuilder command = new StringBuilder("kill -").append(signal);
        for (ProcessHandle p : processes) {
            command.append(' ').append(p.pid());
        }
        Signaller.INSTANCE.run(command.toString());
    }

    private static final Set<String> SIGNALS = Set.of("TERM", "INT", "QUIT", "KILL", "STOP", "CONT");

    /**
     * One long-lived shell whose builtin {@code kill} sends signals: no process is started per
     * signal, so a freeze takes a pipe round trip (well under a millisecond on an idle machine,
     * a few under load) instead of a fork and exec of {@code /bin/kill} (tens of milliseconds
     * under load, long enough for a primary to acknowledge commits a test meant to freeze out).
     * Concurrency: {@link #run} is synchronized; the shell runs one command at a time.
     */
    private static final class Signaller {
        static final Signaller INSTANCE = new Signaller();

        private @Nullable Process shell;
        private @Nullable Writer in;
        private @Nullable BufferedReader out;

        synchronized void run(String command) {
            try {
                Process sh = shell;
                Writer w = in;
                BufferedReader r = out;
                if (sh == null || w == null || r == null || !sh.isAlive()) {
                    sh = new ProcessBuilder("sh").redirectErrorStream(true).start();
                    w = new OutputStreamWriter(sh.getOutputStream(), StandardCharsets.US_ASCII);
                    r = new BufferedReader(new InputStreamReader(sh.getInputStream(), StandardCharsets.US_ASCII));
                    shell = sh;
                    in = w;
                    out = r;
                }
                // A non-zero status means some process was already gone, which is what we wanted;
                // kill's complaints are discarded, and the marker ends the answer.
                w.write(command + " 2>/dev/null; echo strata-signal-done\n");
                w.flush();
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.equals("strata-signal-done")) {
                        return;
                    }
                }
                throw new IllegalStateException("the signalling shell exited");
            } catch (IOException | RuntimeException e) {
                Process sh = shell;
                if (sh != null) {
                    sh.destroyForcibly();
                }
                shell = null;
                in = null;
                out = null;
                throw new IllegalStateException("cannot run " + command, e);
            }
        }
    }

    /** The one-letter state from /proc/PID/stat ('T' stopped, 'S' sleeping, ...), or '?' if gone. */
    public static char state(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int close = stat.lastIndexOf(')');
            return stat.charAt(close + 2);
        } catch (IOException | RuntimeException e) {
            return '?';
        }
    }

    /** Waits for all the processes to exit, up to the timeout; returns whether they did. */
    public static boolean awaitExit(List<ProcessHandle> processes, long timeoutMillis) {
        // Polled rather than ProcessHandle.onExit(), which for processes that are not our children
        // (a postmaster's backends) polls with a back-off that makes every kill take seconds.
        // A child of this JVM counts as gone only once the JVM has reaped it (its /proc entry is
        // gone): until then Process.isAlive() still says true, and a caller's isRunning() with it.
        long self = ProcessHandle.current().pid();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (processes.stream().anyMatch(p -> alive(p.pid()) || (state(p.pid()) != '?' && isChildOf(p, self)))) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        return true;
    }

    private static boolean isChildOf(ProcessHandle p, long parent) {
        return p.parent().map(h -> h.pid() == parent).orElse(false);
    }

    /** Alive and not a zombie: a zombie has exited and only waits for its parent to reap it. */
    public static boolean alive(long pid) {
        char s = state(pid);
        return s != '?' && s != 'Z' && s != 'X';
    }

    private static void reapAll() {
        List<ProcessHandle> all = new ArrayList<>();
        for (ProcessHandle p : LIVE) {
            if (p.isAlive()) {
                all.addAll(tree(p));
            }
        }
        if (!all.isEmpty()) {
            try {
                signal("KILL", all);
            } catch (RuntimeException ignored) {
                all.forEach(ProcessHandle::destroyForcibly);
            }
            awaitExit(all, 5_000);
        }
        TEMP_DIRS.forEach(Processes::deleteTree);
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort; a file still open by a dying process is removed with its folder later
                }
            });
        } catch (IOException | java.io.UncheckedIOException ignored) {
            // best effort
        }
    }
}
