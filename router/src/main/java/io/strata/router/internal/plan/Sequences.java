package io.strata.router.internal.plan;

import io.strata.router.RouteKind;
import io.strata.router.internal.SqlStates;
import io.strata.router.internal.jdbc.LogicalConnection;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where sequences live and how statements that use them are routed.
 *
 * <p>A <em>global</em> sequence (declared in the configuration) exists on one shard, its home; every
 * {@code nextval}, {@code currval} and {@code setval} of it runs there, on the same physical session
 * of the logical connection (so {@code currval} sees the session's {@code nextval}), on the primary.
 * Its {@code CREATE/ALTER/DROP SEQUENCE} runs on the home shard only, so a column {@code DEFAULT
 * nextval('it')} on another shard fails instead of silently using a local copy. A sequence that is
 * not declared global lives on the default shard when one is configured; otherwise a statement
 * calling it is refused (each shard would have its own copy and hand out the same values).
 *
 * <p>Statement shapes:
 *
 * <ul>
 *   <li>a SELECT that reads no table ({@code select nextval('s')}, {@code select setval('s', 5)},
 *       {@code select nextval('s') from generate_series(1, 50)}): runs on the sequences' home;
 *   <li>{@code select lastval()}: runs on the shard of the connection's latest {@code nextval}
 *       when Strata knows it (see {@link LogicalConnection#lastvalShard}), else refused;
 *   <li>any other statement calling a sequence function ({@code INSERT ... VALUES (nextval('s'),
 *       ...)}): allowed only when the statement runs on the sequences' home shard anyway (a table
 *       that lives there); otherwise refused: fetch the value first ({@code select nextval('s')})
 *       and bind it, or use {@link io.strata.router.IdGenerator}.
 * </ul>
 *
 * <p>Refusals carry SQLState {@value #CANNOT_ROUTE}. Immutable and thread-safe.
 */
public final class Sequences {

    /** SQLState of a statement that cannot be routed safely. */
    public static final String CANNOT_ROUTE = SqlStates.NO_SHARD_KEY;

    /** A call of a sequence function, found in SQL text (comments stripped). */
    private static final Pattern CALL = Pattern.compile(
            "\\b(nextval|currval|setval|lastval)\\s*\\(\\s*(?:'((?:[^']|'')*)'(?:\\s*::\\s*regclass)?)?",
            Pattern.CASE_INSENSITIVE);

    private static final Pattern SEQUENCE_DDL = Pattern.compile(
            "^\\s*(CREATE|ALTER|DROP)\\s+(?:(?:TEMPORARY|TEMP|UNLOGGED)\\s+)?SEQUENCE\\s+(?:IF\\s+(?:NOT\\s+)?EXISTS\\s+)?"
                    + "((?:\"(?:[^\"]|\"\")*\"|[A-Za-z_][A-Za-z0-9_$]*)(?:\\s*\\.\\s*(?:\"(?:[^\"]|\"\")*\"|[A-Za-z_][A-Za-z0-9_$]*))?"
                    + "(?:\\s*,\\s*(?:\"(?:[^\"]|\"\")*\"|[A-Za-z_][A-Za-z0-9_$]*)(?:\\s*\\.\\s*(?:\"(?:[^\"]|\"\")*\"|[A-Za-z_][A-Za-z0-9_$]*))?)*)",
            Pattern.CASE_INSENSITIVE);

    /** How a planned statement uses sequences: the shard it must run on, or that it is a lastval(). */
    public record SequenceCall(int shard, boolean lastval, boolean advances) {}

    private final Map<String, Integer> home;
    private final int defaultShard;

    /**
     * @param home global sequence name (lower case, without schema) to its shard index
     * @param defaultShard the default shard for other sequences, or -1 to refuse them
     */
    public Sequences(Map<String, Integer> home, int defaultShard) {
        this.home = Map.copyOf(home);
        this.defaultShard = defaultShard;
    }

    static Sequences none() {
        return new Sequences(Map.of(), -1);
    }

    /** The shard of a sequence, or -1 when it has no single home. */
    int homeOf(String sequence) {
        Integer h = home.get(sequence);
        return h != null ? h : defaultShard;
    }

    boolean isGlobal(String sequence) {
        return home.containsKey(sequence);
    }

    /** A sequence name as PostgreSQL resolves it: quotes kept case, schema dropped. */
    public static String normalize(String raw) {
        String name = raw.trim();
        List<String> parts = new ArrayList<>();
        StringBuilder part = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (ch == '"') {
                quoted = !quoted;
                part.append(ch);
            } else if (ch == '.' && !quoted) {
                parts.add(part.toString().trim());
                part.setLength(0);
            } else {
                part.append(ch);
            }
        }
        parts.add(part.toString().trim());
        String last = parts.get(parts.size() - 1);
        if (last.startsWith("\"") && last.endsWith("\"") && last.length() >= 2) {
            return last.substring(1, last.length() - 1).replace("\"\"", "\"");
        }
        return last.toLowerCase(Locale.ROOT);
    }

    /**
     * The plan for DDL on sequences: {@code CREATE/ALTER/DROP SEQUENCE} of global sequences runs on
     * their home shard; other DDL that names a global sequence in a {@code nextval} (a column
     * default) is refused. Null when the DDL is not about global sequences (it goes to every shard).
     */
    Plan ddl(String sql, String stripped, Map<String, String> hints) {
        if (home.isEmpty()) {
            return null;
        }
        Matcher m = SEQUENCE_DDL.matcher(stripped);
        if (m.find()) {
            Set<String> names = new LinkedHashSet<>();
            for (String n : m.group(2).split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)")) {
                names.add(normalize(n));
            }
            Set<String> global = new LinkedHashSet<>();
            Set<Integer> homes = new LinkedHashSet<>();
            for (String n : names) {
                if (isGlobal(n)) {
                    global.add(n);
                    homes.add(home.get(n));
                }
            }
            if (global.isEmpty()) {
                return null;
            }
            if (global.size() != names.size() || homes.size() != 1) {
                return Plan.rejected(
                        sql,
                        "Strata: the statement names global sequences " + global + " together with sequences that"
                                + " live elsewhere " + names + "; run it once per sequence.",
                        CANNOT_ROUTE,
                        hints);
            }
            return new Plan(
                    sql,
                    Plan.Target.FIXED,
                    RouteKind.SINGLE,
                    Set.of(),
                    true,
                    false,
                    homes.iterator().next(),
                    List.of(),
                    null,
                    null,
                    null,
                    null,
                    null,
                    hints);
        }
        Matcher c = CALL.matcher(stripped);
        while (c.find()) {
            if (c.group(2) != null && isGlobal(normalize(c.group(2).replace("''", "'")))) {
                return Plan.rejected(
                        sql,
                        "Strata: this DDL runs on every shard but calls global sequence '" + normalize(c.group(2))
                                + "', which lives on one shard: a column DEFAULT nextval(...) of it would fail or"
                                + " use a local copy on the other shards. Give the column its value from the"
                                + " application (select nextval('" + normalize(c.group(2)) + "') first, or"
                                + " IdGenerator), or use an identity/bigserial column (Strata interleaves those).",
                        CANNOT_ROUTE,
                        hints);
            }
        }
        return null;
    }

    private static boolean advances(List<String[]> calls) {
        for (String[] call : calls) {
            if (call[0].equals("nextval")) {
                return true;
            }
        }
        return false;
    }

    /** The sequence functions a statement calls, or an empty list. */
    List<String[]> calls(String stripped) {
        List<String[]> out = new ArrayList<>();
        Matcher c = CALL.matcher(stripped);
        while (c.find()) {
            String fn = c.group(1).toLowerCase(Locale.ROOT);
            String name = c.group(2) == null ? null : normalize(c.group(2).replace("''", "'"));
            out.add(new String[] {fn, name});
        }
        return out;
    }

    /**
     * The plan of a statement that calls sequence functions. {@code tableFree}: a SELECT that reads
     * no table. {@code planned}: how the statement would be routed without its sequence calls (null
     * for a table-free SELECT).
     */
    Plan route(String sql, List<String[]> calls, boolean tableFree, Plan planned, Map<String, String> hints) {
        boolean lastval = false;
        Set<Integer> homes = new LinkedHashSet<>();
        for (String[] call : calls) {
            if (call[0].equals("lastval")) {
                lastval = true;
                continue;
            }
            if (call[1] == null) {
                return Plan.rejected(
                        sql,
                        "Strata: " + call[0] + "(...) is called with a sequence that is not a string literal, so"
                                + " Strata cannot tell which shard holds it. Name the sequence as a literal:"
                                + " " + call[0] + "('my_seq').",
                        CANNOT_ROUTE,
                        hints);
            }
            int h = homeOf(call[1]);
            if (h < 0) {
                return Plan.rejected(
                        sql,
                        "Strata: sequence '" + call[1] + "' is not declared global, so every shard has its own copy"
                                + " and " + call[0] + " would hand out values other shards hand out too. Declare it"
                                + " (globalSequences: [" + call[1] + "] in YAML, or"
                                + " ShardingDataSource.Builder.globalSequence(\"" + call[1] + "\")), or use"
                                + " IdGenerator.",
                        CANNOT_ROUTE,
                        hints);
            }
            homes.add(h);
        }
        if (homes.size() > 1) {
            return Plan.rejected(
                    sql,
                    "Strata: the statement calls sequences that live on different shards; call them one statement"
                            + " at a time.",
                    CANNOT_ROUTE,
                    hints);
        }
        if (lastval && (!homes.isEmpty() || !tableFree)) {
            return Plan.rejected(
                    sql,
                    "Strata: lastval() can only be called on its own (select lastval()); use currval('my_seq').",
                    CANNOT_ROUTE,
                    hints);
        }
        if (tableFree) {
            Plan plan = new Plan(
                    sql,
                    Plan.Target.FIXED,
                    RouteKind.SINGLE,
                    Set.of(),
                    false,
                    true,
                    lastval ? -1 : homes.iterator().next(),
                    List.of(),
                    null,
                    null,
                    null,
                    null,
                    null,
                    hints);
            plan.sequence = new SequenceCall(lastval ? -1 : homes.iterator().next(), lastval, advances(calls));
            return plan;
        }
        int h = homes.iterator().next();
        if (planned.isRejected()) {
            return planned;
        }
        if (planned.target == Plan.Target.FIXED
                && planned.fixedShard == h
                && !planned.hints().containsKey("shard")) {
            planned.sequence = new SequenceCall(h, false, advances(calls));
            return planned;
        }
        return Plan.rejected(
                sql,
                "Strata: the statement calls a sequence that lives on shard index " + h + " but runs on other"
                        + " shards, where that sequence does not exist or is another copy. Fetch the value first"
                        + " (select nextval('seq')) and bind it as a parameter, or use IdGenerator.",
                CANNOT_ROUTE,
                hints);
    }
}
