package io.strata.router.internal.jdbc;

import io.strata.router.internal.execute.Execution;
import io.strata.router.internal.plan.Param;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The reusable working state of logical connections (the physical-connection slots, the shard
 * sets, the statement and savepoint lists, the {@link Execution}), kept in a small lock-free pool
 * so that {@code getConnection()} allocates only the logical connection itself, as HikariCP
 * allocates only its proxy.
 *
 * <p>Concurrency: a state belongs to at most one open logical connection; {@link #take} and
 * {@link #give} exchange it through the slots with compare-and-set, allocating nothing. A state is
 * given back only once its connection is closed and has cleared it, and a closed connection never
 * touches it again (every entry point checks {@code closed} first), so a reused state carries
 * nothing over. When the pool is full a state is left to the garbage collector; when it is empty
 * a new one is made. A connection closed by {@code abort()} (which another thread may call while
 * the owner is still inside a call that uses the state) never gives its state back. As with
 * HikariCP's proxies, {@code close()} racing the connection's own thread is outside the JDBC
 * contract.
 */
public final class ConnectionStates {

    private static final int SLOTS = 32;
    /** The longest parameter array kept spare. */
    private static final int MAX_SPARE_LENGTH = 8;

    private static final Param[] NO_PARAMS = new Param[0];

    private final AtomicReferenceArray<State> slots = new AtomicReferenceArray<>(SLOTS);
    private final int shards;

    /** A pool of states for connections over {@code shards} shards. */
    public ConnectionStates(int shards) {
        this.shards = shards;
    }

    /** The working state of one logical connection. */
    static final class State {
        final Connection[] physical;
        final io.strata.replication.ReplicaSetConnection[] replicaSets;
        final BitSet touched = new BitSet();
        final BitSet permits = new BitSet();
        final BitSet written = new BitSet();
        final List<String> sessionCommands = new ArrayList<>();
        final List<Object> savepoints = new ArrayList<>();
        final List<LogicalStatement> statements = new ArrayList<>();
        final Execution execution = new Execution();

        /** Spare parameter arrays by length (1..MAX_SPARE_LENGTH), every element null. */
        private final Param[][] spareArrays = new Param[MAX_SPARE_LENGTH + 1][];
        /** Spare parameter slots, cleared; {@code spareCount} of them from index 0. */
        private final Param[] spareParams = new Param[16];

        private int spareCount;

        State(int shards) {
            physical = new Connection[shards];
            replicaSets = new io.strata.replication.ReplicaSetConnection[shards];
        }

        /** A parameter array of {@code n} empty slots (null), reused when one is spare. */
        synchronized Param[] takeParams(int n) {
            if (n == 0) {
                return NO_PARAMS;
            }
            if (n <= MAX_SPARE_LENGTH && spareArrays[n] != null) {
                Param[] out = spareArrays[n];
                spareArrays[n] = null;
                return out;
            }
            return new Param[n];
        }

        /** An empty parameter slot, reused when one is spare. */
        synchronized Param takeParam() {
            if (spareCount > 0) {
                Param p = spareParams[--spareCount];
                spareParams[spareCount] = null;
                return p;
            }
            return new Param();
        }

        /**
         * Takes back a closed statement's parameters: its slots cleared and its array emptied. The
         * statement no longer reads them (every entry point of a closed statement throws first).
         * Synchronized (with the takes), as a statement may be closed from another thread.
         */
        synchronized void giveParams(Param[] params) {
            if (params.length == 0) {
                return;
            }
            for (int i = 0; i < params.length; i++) {
                Param p = params[i];
                if (p != null) {
                    params[i] = null;
                    if (spareCount < spareParams.length) {
                        p.clear();
                        spareParams[spareCount++] = p;
                    }
                }
            }
            if (params.length <= MAX_SPARE_LENGTH) {
                spareArrays[params.length] = params;
            }
        }

        /** True when nothing of a closed connection is left in it (only such a state is pooled). */
        boolean isClear() {
            for (int s = 0; s < physical.length; s++) {
                if (physical[s] != null || replicaSets[s] != null) {
                    return false;
                }
            }
            return touched.isEmpty()
                    && permits.isEmpty()
                    && written.isEmpty()
                    && sessionCommands.isEmpty()
                    && savepoints.isEmpty()
                    && statements.isEmpty();
        }
    }

    State take() {
        int start = (int) Thread.currentThread().getId() & (SLOTS - 1);
        for (int i = 0; i < SLOTS; i++) {
            int at = (start + i) & (SLOTS - 1);
            State s = slots.get(at);
            if (s != null && slots.compareAndSet(at, s, null)) {
                return s;
            }
        }
        return new State(shards);
    }

    void give(State state) {
        if (!state.isClear()) {
            return; // something failed half-way through close: never reuse it
        }
        int start = (int) Thread.currentThread().getId() & (SLOTS - 1);
        for (int i = 0; i < SLOTS; i++) {
            int at = (start + i) & (SLOTS - 1);
            if (slots.get(at) == null && slots.compareAndSet(at, null, state)) {
                return;
            }
        }
    }
}
