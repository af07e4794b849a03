package io.strata.replication;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.Collection;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.Statements;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.SetOperationList;
import net.sf.jsqlparser.statement.select.WithItem;

/**
 * Decides whether SQL can write, by parsing it with JSqlParser. A statement is a
 * {@link StatementKind#READ} only when it is a query that provably cannot write: a SELECT (or
 * VALUES / set operation of them) with no {@code FOR UPDATE/SHARE} locking clause anywhere, no
 * data-modifying CTE ({@code WITH x AS (DELETE ...)}), no {@code SELECT ... INTO}, and no call
 * to a function listed as writing ({@link #DEFAULT_WRITING_FUNCTIONS} plus the configured ones).
 * Everything else, and anything that does not parse, is a {@link StatementKind#WRITE}.
 *
 * <p>The checks for nested locking clauses and function calls scan the deparsed statement text,
 * so a string literal that spells {@code nextval(} classifies as a write: errors go towards the
 * primary, never towards a replica.
 *
 * <p>{@link #classify(String)} caches per SQL text (bounded, Caffeine). The router reuses the
 * same rules on its own parse through {@link #classify(Statement)}. Thread-safe.
 */
public final class SqlClassifier {

    /** Functions that write or need a writable server, treated as writes by default. */
    public static final Set<String> DEFAULT_WRITING_FUNCTIONS = Set.of(
            "nextval",
            "setval",
            "txid_current",
            "pg_current_xact_id",
            "pg_notify",
            "pg_advisory_lock",
            "pg_advisory_xact_lock",
            "pg_try_advisory_lock",
            "pg_try_advisory_xact_lock",
            "lo_create",
            "lo_import",
            "lo_unlink",
            "pg_create_restore_point",
            "pg_switch_wal");

    private static final Pattern HINT = Pattern.compile(
            "/\\*\\s*strata:consistency\\s*=\\s*([A-Za-z_]+(?:\\(\\s*\\d+\\s*(?:ms|s)\\s*\\))?)\\s*\\*/",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern LOCKING = Pattern.compile(
            "\\bFOR\\s+(?:NO\\s+KEY\\s+)?UPDATE\\b|\\bFOR\\s+(?:KEY\\s+)?SHARE\\b", Pattern.CASE_INSENSITIVE);

    private final Set<String> writingFunctions;
    private final Pattern writingCall;
    private final Cache<String, StatementKind> cache;

    private SqlClassifier(Set<String> writingFunctions, int cacheSize) {
        this.writingFunctions = writingFunctions;
        StringBuilder alternatives = new StringBuilder();
        for (String f : writingFunctions) {
            if (alternatives.length() > 0) {
                alternatives.append('|');
            }
            alternatives.append(Pattern.quote(f));
        }
        // An optional schema qualifier and optional quotes before the opening parenthesis.
        this.writingCall =
                Pattern.compile("(?<![A-Za-z0-9_$])\"?(?:" + alternatives + ")\"?\\s*\\(", Pattern.CASE_INSENSITIVE);
        this.cache = Caffeine.newBuilder().maximumSize(cacheSize).build();
    }

    /** A classifier with {@link #DEFAULT_WRITING_FUNCTIONS} and a 10,000-entry cache. */
    public static SqlClassifier withDefaults() {
        return create(Set.of(), 10_000);
    }

    /**
     * A classifier treating {@link #DEFAULT_WRITING_FUNCTIONS} and {@code extraWritingFunctions}
     * (case-insensitive, unqualified names) as writes.
     *
     * @param cacheSize how many SQL texts to remember, at least 1
     */
    public static SqlClassifier create(Collection<String> extraWritingFunctions, int cacheSize) {
        Objects.requireNonNull(extraWritingFunctions, "extraWritingFunctions");
        if (cacheSize < 1) {
            throw new IllegalArgumentException("cacheSize must be >= 1, was " + cacheSize);
        }
        Set<String> all = new TreeSet<>(DEFAULT_WRITING_FUNCTIONS);
        for (String f : extraWritingFunctions) {
            if (f == null || !f.matches("[A-Za-z_][A-Za-z0-9_$]*")) {
                throw new IllegalArgumentException("writingFunctions: not a function name: " + f);
            }
            all.add(f.toLowerCase(Locale.ROOT));
        }
        return new SqlClassifier(Set.copyOf(all), cacheSize);
    }

    /** The function names this classifier treats as writing, lower case. */
    public Set<String> writingFunctions() {
        return writingFunctions;
    }

    /** Classifies SQL text (one or more statements), cached per text. */
    public StatementKind classify(String sql) {
        Objects.requireNonNull(sql, "sql");
        return cache.get(sql, this::parseAndClassify);
    }

    private StatementKind parseAndClassify(String sql) {
        Statements statements;
        try {
            // newParser(...).Statements() parses on this thread; CCJSqlParserUtil.parse would
            // start an executor thread per call for its timeout.
            statements = CCJSqlParserUtil.newParser(sql).Statements();
        } catch (Exception | Error e) {
            return StatementKind.WRITE;
        }
        if (statements == null || statements.isEmpty()) {
            return StatementKind.WRITE;
        }
        for (Statement s : statements) {
            if (classify(s) == StatementKind.WRITE) {
                return StatementKind.WRITE;
            }
        }
        return StatementKind.READ;
    }

    /**
     * Classifies a parsed statement with only {@link #DEFAULT_WRITING_FUNCTIONS}; for a caller
     * that has no configured instance at hand. Prefer {@link #classify(Statement)} on the
     * instance a data source uses ({@link ReplicaSetDataSource#classifier()}).
     */
    public static StatementKind kindOf(Statement statement) {
        return Defaults.INSTANCE.classify(statement);
    }

    private static final class Defaults {
        // Immutable; its cache is never used (classify(Statement) does not cache).
        static final SqlClassifier INSTANCE = create(Set.of(), 1);
    }

    /** Classifies a statement the caller has already parsed with JSqlParser. Not cached. */
    public StatementKind classify(Statement statement) {
        if (!(statement instanceof Select select) || !isReadOnly(select)) {
            return StatementKind.WRITE;
        }
        String text = select.toString();
        if (LOCKING.matcher(text).find() || writingCall.matcher(text).find()) {
            return StatementKind.WRITE;
        }
        return StatementKind.READ;
    }

    private static boolean isReadOnly(Select select) {
        if (select.getForMode() != null) {
            return false;
        }
        if (select.getWithItemsList() != null) {
            for (WithItem<?> item : select.getWithItemsList()) {
                // WithItem.getInsert()/getUpdate()/getDelete() cast blindly; test the type instead.
                Object body = item.getParenthesedStatement();
                if (!(body instanceof Select sub) || !isReadOnly(sub)) {
                    return false; // a data-modifying CTE (INSERT/UPDATE/DELETE ... RETURNING) or unknown
                }
            }
        }
        if (select instanceof PlainSelect plain) {
            return plain.getIntoTables() == null && plain.getIntoTempTable() == null;
        }
        if (select instanceof SetOperationList set) {
            for (Select s : set.getSelects()) {
                if (!isReadOnly(s)) {
                    return false;
                }
            }
            return true;
        }
        if (select instanceof ParenthesedSelect p) {
            return p.getSelect() == null || isReadOnly(p.getSelect());
        }
        return true; // VALUES, TABLE and other plain queries
    }

    /**
     * The consistency an SQL comment hint asks for, e.g.
     * {@code /* strata:consistency=bounded_staleness(500ms) *}{@code /}, if the text carries one.
     *
     * @throws IllegalArgumentException when the hint names no valid consistency
     */
    public static Optional<Consistency> hint(String sql) {
        if (sql.indexOf("strata:") < 0 && sql.indexOf("STRATA:") < 0) {
            return Optional.empty();
        }
        Matcher m = HINT.matcher(sql);
        return m.find() ? Optional.of(Consistency.parse(m.group(1))) : Optional.empty();
    }
}
