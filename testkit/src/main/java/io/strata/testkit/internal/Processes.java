package io.strata.testkit.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

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
                    + "Run the tests as an unprivileged user: `bash .ci/run` (or `bash .ci/as-user mvn ...`) "
                    + "creates one and runs Maven as that user.");
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

    /** Sends a signal (TERM, INT, QUIT, KILL, STOP, CONT) to the given pids. */
    public static void signal(String signal, List<ProcessHandle> processes) {
        List<String> command = new ArrayList<>();
        command.add("kill");
        command.add("-" + signal);
        for (ProcessHandle p : processes) {
            command.add(Long.toString(p.pid()));
        }
        if (command.size() == 2) {
            return;
        }
        try {
            Process kill = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
                throw new IllegalStateException("kill -" + signal + " did not return within 10 s");
            }
            // A non-zero exit means some process was already gone, which is what we wanted.
        } catch (IOException e) {
            throw new IllegalStateException("cannot run kill -" + signal, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling", e);
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
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (processes.stream().anyMatch(p -> alive(p.pid()))) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        return true;
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
