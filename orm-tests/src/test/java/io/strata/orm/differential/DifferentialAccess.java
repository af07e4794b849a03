package io.strata.orm.differential;

import io.strata.testkit.PgTopology;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.Callable;

/** {@link Differential} for test classes in other packages (results compared unordered never). */
public final class DifferentialAccess {

    private final Differential diff = new Differential().collecting();

    /** See {@link Differential#plainDatabase}. */
    public static String plainDatabase(PgTopology topology, String name) throws SQLException {
        return Differential.plainDatabase(topology, name);
    }

    /** Compares in order (the callers describe results in their defined order). */
    public void check(String label, Callable<?> strata, Callable<?> plain) {
        diff.check(label, Differential.Order.ORDERED, strata, plain);
    }

    /** A write: on plain PostgreSQL only when Strata did not refuse it (see {@link Differential#checkWrite}). */
    public void checkWrite(String label, Callable<?> strata, Callable<?> plain) {
        diff.checkWrite(label, Differential.Order.ORDERED, strata, plain);
    }

    /** Fails with every difference recorded so far. */
    public void assertNoDifferences() {
        diff.assertNoDifferences();
    }

    public int same() {
        return diff.same();
    }

    public int refused() {
        return diff.refused();
    }

    public List<String> refusals() {
        return diff.refusals();
    }
}
