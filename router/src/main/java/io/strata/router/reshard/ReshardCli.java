package io.strata.router.reshard;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * The command line of online resharding. It reads the application's own YAML (passwords through
 * {@code ${ENV}} placeholders) and drives the mover:
 *
 * <pre>
 * java -cp strata-router.jar:... io.strata.router.reshard.ReshardCli strata.yaml plan    grow1 shard2 shard3
 *                                                                  strata.yaml start   grow1 shard2 shard3
 *                                                                  strata.yaml status
 *                                                                  strata.yaml verify  grow1
 *                                                                  strata.yaml cutover grow1
 *                                                                  strata.yaml abort   grow1
 *                                                                  strata.yaml resume
 *                                                                  strata.yaml run     grow1 shard2 shard3
 * </pre>
 *
 * {@code run} does start, catch-up (printing progress every second: rows copied, rate, lag, ETA),
 * verify and cutover. Exit status 0 on success, 1 on a failed or rejected move (the message and
 * SQLState printed), 2 on a usage error.
 */
public final class ReshardCli {

    private ReshardCli() {}

    /** Entry point. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length < 2) {
            err.println("usage: ReshardCli <strata.yaml> plan|start|run <planId> <newShard>... | status | resume"
                    + " | verify|cutover|abort <planId>");
            return 2;
        }
        String command = args[1];
        try {
            Resharding r = Resharding.fromYaml(args[0], new SimpleMeterRegistry());
            switch (command) {
                case "plan", "start", "run" -> {
                    if (args.length < 4) {
                        err.println("usage: ReshardCli <yaml> " + command + " <planId> <newShard>...");
                        return 2;
                    }
                    MovePlan plan = r.planAddShards(args[2], List.of(Arrays.copyOfRange(args, 3, args.length)));
                    out.print(plan.describe());
                    if (command.equals("start") || command.equals("run")) {
                        r.start(plan);
                        out.println("started " + plan.id());
                    }
                    if (command.equals("run")) {
                        awaitWithProgress(r, plan.id(), out);
                        r.verify(plan.id());
                        out.println("verified " + plan.id());
                        r.cutover(plan.id());
                        printStatus(r, out);
                    }
                }
                case "status" -> printStatus(r, out);
                case "resume" -> {
                    r.resume();
                    printStatus(r, out);
                }
                case "verify", "cutover", "abort" -> {
                    if (args.length != 3) {
                        err.println("usage: ReshardCli <yaml> " + command + " <planId>");
                        return 2;
                    }
                    switch (command) {
                        case "verify" -> r.verify(args[2]);
                        case "cutover" -> r.cutover(args[2]);
                        default -> r.abort(args[2]);
                    }
                    printStatus(r, out);
                }
                default -> {
                    err.println("unknown command '" + command + "'");
                    return 2;
                }
            }
            return 0;
        } catch (SQLException e) {
            err.println(e.getMessage() + " (SQLState " + e.getSQLState() + ")");
            return 1;
        }
    }

    private static void awaitWithProgress(Resharding r, String planId, PrintStream out) throws SQLException {
        while (true) {
            try {
                r.awaitCatchUp(planId, Duration.ofSeconds(1));
                return;
            } catch (SQLException e) {
                if (!"SR023".equals(e.getSQLState())
                        || !String.valueOf(e.getMessage()).contains("did not catch up")) {
                    throw e;
                }
                printStatus(r, out);
            }
        }
    }

    private static void printStatus(Resharding r, PrintStream out) throws SQLException {
        for (MoveStatus s : r.status()) {
            out.println(s.describe());
        }
    }
}
