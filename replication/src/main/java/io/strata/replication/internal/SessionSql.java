package io.strata.replication.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Recognises SQL that changes a PostgreSQL session's settings, by its text (no parse): what a
 * logical connection must record and replay on the other physical connections it uses, and what
 * it cannot follow safely. Thread-safe (stateless).
 */
final class SessionSql {

    /** What a statement does to the session's settings. */
    enum Effect {
        /** Changes no setting (as far as its text shows). */
        NONE,
        /**
         * One statement that changes session settings and can be replayed as is: {@code SET
         * [SESSION] ...}, {@code RESET ...}, {@code RESET ALL}, {@code SELECT set_config('n', 'v',
         * false)} with literal arguments.
         */
        SESSION,
        /**
         * Transaction-scoped ({@code SET LOCAL}, {@code SET TRANSACTION}, {@code SET CONSTRAINTS},
         * {@code set_config(..., true)}): lasts only in the transaction, which runs on one node.
         */
        LOCAL,
        /**
         * May change settings in a way Strata cannot replay: a {@code DO} block, {@code DISCARD},
         * a setting inside a multi-statement string, {@code set_config} with parameters or in a
         * larger query. The logical connection's reads then stay on the primary.
         */
        UNSAFE
    }

    private static final Pattern SET_LOCAL =
            Pattern.compile("^SET\\s+(?:LOCAL|TRANSACTION|CONSTRAINTS)\\b", Pattern.CASE_INSENSITIVE);
    private static final Pattern SET_OR_RESET = Pattern.compile("^(?:SET|RESET)\\b", Pattern.CASE_INSENSITIVE);
    private static final Pattern UNSAFE_START = Pattern.compile("^(?:DO|DISCARD|LOAD)\\b", Pattern.CASE_INSENSITIVE);
    private static final Pattern SET_CONFIG_LITERAL = Pattern.compile(
            "^SELECT\\s+(?:pg_catalog\\s*\\.\\s*)?set_config\\s*\\(\\s*'[^']*'\\s*,\\s*'[^']*'\\s*,\\s*(true|false)\\s*\\)"
                    + "(?:\\s+(?:AS\\s+)?[A-Za-z_][A-Za-z0-9_]*)?$",
            Pattern.CASE_INSENSITIVE);

    private SessionSql() {}

    /** The effect of {@code sql} (one or more statements) on session settings. */
    static Effect of(String sql) {
        if (!mayTouchSession(sql)) {
            return Effect.NONE;
        }
        List<String> statements = split(sql);
        if (statements.isEmpty()) {
            return Effect.NONE;
        }
        if (statements.size() == 1) {
            return ofOne(statements.get(0));
        }
        for (String s : statements) {
            if (ofOne(s) != Effect.NONE) {
                return Effect.UNSAFE;
            }
        }
        return Effect.NONE;
    }

    /** A cheap pre-check: text without these words changes no setting. */
    private static boolean mayTouchSession(String sql) {
        String lower = sql.toLowerCase(Locale.ROOT);
        return lower.contains("set") || lower.contains("do") || lower.contains("discard") || lower.contains("load");
    }

    private static Effect ofOne(String statement) {
        if (UNSAFE_START.matcher(statement).find()) {
            return Effect.UNSAFE;
        }
        if (SET_LOCAL.matcher(statement).find()) {
            return Effect.LOCAL;
        }
        if (SET_OR_RESET.matcher(statement).find()) {
            return Effect.SESSION;
        }
        var m = SET_CONFIG_LITERAL.matcher(statement);
        if (m.matches()) {
            return "true".equalsIgnoreCase(m.group(1)) ? Effect.LOCAL : Effect.SESSION;
        }
        if (statement.toLowerCase(Locale.ROOT).contains("set_config")) {
            return Effect.UNSAFE;
        }
        return Effect.NONE;
    }

    /**
     * Splits SQL text at top-level semicolons, dropping comments; string literals, quoted
     * identifiers and dollar-quoted bodies are kept whole. Returns the non-blank statements,
     * trimmed.
     */
    static List<String> split(String sql) {
        List<String> out = new ArrayList<>(1);
        StringBuilder cur = new StringBuilder(sql.length());
        int n = sql.length();
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                while (i < n && sql.charAt(i) != '\n') {
                    i++;
                }
                cur.append(' ');
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int depth = 1;
                i += 2;
                while (i < n && depth > 0) {
                    if (sql.startsWith("/*", i)) {
                        depth++;
                        i += 2;
                    } else if (sql.startsWith("*/", i)) {
                        depth--;
                        i += 2;
                    } else {
                        i++;
                    }
                }
                cur.append(' ');
            } else if (c == '\'' || c == '"') {
                int end = i + 1;
                while (end < n) {
                    if (sql.charAt(end) == c) {
                        if (end + 1 < n && sql.charAt(end + 1) == c) {
                            end += 2;
                            continue;
                        }
                        break;
                    }
                    end++;
                }
                end = Math.min(n, end + 1);
                cur.append(sql, i, end);
                i = end;
            } else if (c == '$' && (i == 0 || !Character.isLetterOrDigit(sql.charAt(i - 1)))) {
                int close = sql.indexOf('$', i + 1);
                String tag = close > 0 ? sql.substring(i, close + 1) : "";
                if (close > 0
                        && tag.substring(1, tag.length() - 1).matches("[A-Za-z_0-9]*")
                        && !tag.matches("\\$[0-9]+\\$")) {
                    int endTag = sql.indexOf(tag, close + 1);
                    int end = endTag < 0 ? n : endTag + tag.length();
                    cur.append(sql, i, end);
                    i = end;
                } else {
                    cur.append(c);
                    i++;
                }
            } else if (c == ';') {
                add(out, cur);
                cur.setLength(0);
                i++;
            } else {
                cur.append(c);
                i++;
            }
        }
        add(out, cur);
        return out;
    }

    private static void add(List<String> out, StringBuilder cur) {
        String s = cur.toString().trim();
        if (!s.isEmpty()) {
            out.add(s);
        }
    }
}
