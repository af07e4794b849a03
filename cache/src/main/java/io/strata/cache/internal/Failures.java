package io.strata.cache.internal;

/**
 * Which failures of a tier, a transport or a background task Strata absorbs. A tier that fails in
 * any way (an exception, or an {@link Error} such as the {@code NoSuchMethodError} of a client
 * library older than the one Strata was built against) costs hit ratio, never a read or a write the
 * store can answer. Only a {@link VirtualMachineError} (out of memory, stack overflow, an internal
 * error) is not absorbed: after one the JVM cannot be trusted to go on, so it propagates.
 */
public final class Failures {

    private Failures() {}

    /** Whether {@code t} must propagate instead of being counted as a tier failure. */
    public static boolean fatal(Throwable t) {
        return t instanceof VirtualMachineError;
    }

    /**
     * Rethrows {@code t} if it is {@link #fatal}; otherwise returns, and the caller counts it. An
     * {@link InterruptedException} (thrown undeclared by a client library) keeps the thread's
     * interrupt status.
     */
    public static void rethrowIfFatal(Throwable t) {
        if (t instanceof VirtualMachineError fatal) {
            throw fatal;
        }
        if (t instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
    }
}
