package io.strata.router.internal.plan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A small PostgreSQL lexer, only as deep as the router needs: it finds JDBC placeholders, comments
 * and the leading keyword while skipping string literals ({@code '..'}, {@code E'..'}), quoted
 * identifiers and dollar-quoted bodies. {@code ??} (pgjdbc's escape for the JSON {@code ?} operator)
 * is not a placeholder.
 */
public final class SqlText {

    private SqlText() {}

    /** The SQL with every placeholder numbered ({@code ?} becomes {@code ?1}, {@code ?2}, ...). */
    public static String numberPlaceholders(String sql) {
        StringBuilder out = new StringBuilder(sql.length() + 16);
        int[] n = {0};
        scan(
                sql,
                (i, c) -> {
                    if (c == '?') {
                        if (i + 1 < sql.length() && sql.charAt(i + 1) == '?') {
                            out.append("??");
                            return 2;
                        }
                        out.append('?').append(++n[0]);
                        return 1;
                    }
                    out.append(c);
                    return 1;
                },
                out);
        return out.toString();
    }

    /** Counts the placeholders. */
    public static int countPlaceholders(String sql) {
        int[] n = {0};
        StringBuilder sink = new StringBuilder();
        scan(
                sql,
                (i, c) -> {
                    if (c == '?') {
                        if (i + 1 < sql.length() && sql.charAt(i + 1) == '?') {
                            return 2;
                        }
                        n[0]++;
                    }
                    return 1;
                },
                sink);
        return n[0];
    }

    /** A rewritten SQL text with plain {@code ?} placeholders and, per placeholder, its original index. */
    public record Renumbered(String sql, int[] originalIndexes) {}

    /** Turns {@code ?N} placeholders back into {@code ?}, recording each N in order. */
    public static Renumbered unnumber(String numbered) {
        StringBuilder out = new StringBuilder(numbered.length());
        List<Integer> indexes = new ArrayList<>();
        scan(
                numbered,
                (i, c) -> {
                    if (c == '?') {
                        if (i + 1 < numbered.length() && numbered.charAt(i + 1) == '?') {
                            out.append("??");
                            return 2;
                        }
                        int j = i + 1;
                        while (j < numbered.length() && Character.isDigit(numbered.charAt(j))) {
                            j++;
                        }
                        out.append('?');
                        if (j > i + 1) {
                            indexes.add(Integer.parseInt(numbered.substring(i + 1, j)));
                        }
                        return j - i;
                    }
                    out.append(c);
                    return 1;
                },
                out);
        return new Renumbered(
                out.toString(), indexes.stream().mapToInt(Integer::intValue).toArray());
    }

    private static final java.util.regex.Pattern BETWEEN_SYMMETRIC =
            java.util.regex.Pattern.compile("(?i)\\bbetween\\s+(a?symmetric)\\b");

    /**
     * Whether the statement uses {@code BETWEEN SYMMETRIC} / {@code BETWEEN ASYMMETRIC} outside
     * literals and comments: JSqlParser 5.3 reads the keyword as a column (and {@code SYMMETRIC ?1}
     * as the jsonb {@code ?} operator), so the parsed statement would not be the one PostgreSQL runs.
     */
    public static boolean hasBetweenSymmetric(String sql) {
        StringBuilder code = new StringBuilder(sql.length());
        int i = 0;
        int n = sql.length();
        while (i < n) {
            int end = literalEnd(sql, i);
            if (end == i) {
                end = commentEnd(sql, i);
            }
            if (end > i) {
                code.append(' ');
                i = end;
                continue;
            }
            code.append(sql.charAt(i++));
        }
        return BETWEEN_SYMMETRIC.matcher(code).find();
    }

    /**
     * Whether a parsed statement, printed back, still holds each numbered placeholder {@code ?1 ..
     * ?count} exactly once: otherwise the parser took a placeholder for something else (an operator
     * operand) and the statement cannot be routed safely.
     */
    public static boolean keepsPlaceholders(String deparsed, int count) {
        int[] seen = unnumber(deparsed).originalIndexes();
        if (seen.length != count) {
            return false;
        }
        int[] sorted = seen.clone();
        java.util.Arrays.sort(sorted);
        for (int k = 0; k < sorted.length; k++) {
            if (sorted[k] != k + 1) {
                return false;
            }
        }
        return true;
    }

    /** The first keyword of the statement, upper case, after comments and blanks; "" if none. */
    public static String leadingKeyword(String sql) {
        int i = skipBlanksAndComments(sql, 0);
        int j = i;
        while (j < sql.length() && Character.isLetter(sql.charAt(j))) {
            j++;
        }
        return sql.substring(i, j).toUpperCase(Locale.ROOT);
    }

    /** The SQL without comments (a comment becomes one blank), literals untouched. */
    public static String stripComments(String sql) {
        StringBuilder out = new StringBuilder(sql.length());
        int i = 0;
        int n = sql.length();
        while (i < n) {
            int literalEnd = literalEnd(sql, i);
            if (literalEnd > i) {
                out.append(sql, i, literalEnd);
                i = literalEnd;
                continue;
            }
            int commentEnd = commentEnd(sql, i);
            if (commentEnd > i) {
                out.append(' ');
                i = commentEnd;
                continue;
            }
            out.append(sql.charAt(i++));
        }
        return out.toString();
    }

    /**
     * The Strata hints in comments: {@code /* strata: shard=shard1 consistency=strong staleness=2s *\/}
     * (also {@code /*+ strata ...}). Keys lower case, in order of appearance.
     */
    public static Map<String, String> hints(String sql) {
        Map<String, String> hints = new LinkedHashMap<>();
        int i = 0;
        int n = sql.length();
        while (i < n) {
            int literalEnd = literalEnd(sql, i);
            if (literalEnd > i) {
                i = literalEnd;
                continue;
            }
            int commentEnd = commentEnd(sql, i);
            if (commentEnd > i) {
                if (sql.startsWith("/*", i)) {
                    String body = sql.substring(i + 2, commentEnd - 2).trim();
                    if (body.startsWith("+")) {
                        body = body.substring(1).trim();
                    }
                    if (body.regionMatches(true, 0, "strata", 0, 6)) {
                        String rest = body.substring(6).trim();
                        if (rest.startsWith(":")) {
                            rest = rest.substring(1);
                        }
                        for (String part : rest.split("[\\s,;]+")) {
                            int eq = part.indexOf('=');
                            if (eq > 0) {
                                hints.put(
                                        part.substring(0, eq).trim().toLowerCase(Locale.ROOT),
                                        part.substring(eq + 1).trim());
                            }
                        }
                    }
                }
                i = commentEnd;
                continue;
            }
            i++;
        }
        return hints;
    }

    private interface Visitor {
        /** Handles the code character at i; returns how many characters it consumed. */
        int code(int i, char c);
    }

    private static void scan(String sql, Visitor visitor, StringBuilder out) {
        int i = 0;
        int n = sql.length();
        while (i < n) {
            int end = literalEnd(sql, i);
            if (end == i) {
                end = commentEnd(sql, i);
            }
            if (end > i) {
                out.append(sql, i, end);
                i = end;
                continue;
            }
            i += visitor.code(i, sql.charAt(i));
        }
    }

    private static int skipBlanksAndComments(String sql, int i) {
        while (i < sql.length()) {
            if (Character.isWhitespace(sql.charAt(i)) || sql.charAt(i) == '(') {
                i++;
                continue;
            }
            int end = commentEnd(sql, i);
            if (end > i) {
                i = end;
                continue;
            }
            break;
        }
        return i;
    }

    /** If a comment starts at i, the index after it; else i. */
    static int commentEnd(String sql, int i) {
        int n = sql.length();
        if (sql.startsWith("--", i)) {
            int j = sql.indexOf('\n', i);
            return j < 0 ? n : j + 1;
        }
        if (sql.startsWith("/*", i)) {
            int depth = 1;
            int j = i + 2;
            while (j < n && depth > 0) {
                if (sql.startsWith("/*", j)) {
                    depth++;
                    j += 2;
                } else if (sql.startsWith("*/", j)) {
                    depth--;
                    j += 2;
                } else {
                    j++;
                }
            }
            return j;
        }
        return i;
    }

    /** If a literal or quoted identifier starts at i, the index after it; else i. */
    static int literalEnd(String sql, int i) {
        int n = sql.length();
        char c = sql.charAt(i);
        if (c == '\'') {
            boolean backslash = i > 0
                    && (sql.charAt(i - 1) == 'E' || sql.charAt(i - 1) == 'e')
                    && (i < 2 || !Character.isLetterOrDigit(sql.charAt(i - 2)));
            int j = i + 1;
            while (j < n) {
                char d = sql.charAt(j);
                if (backslash && d == '\\') {
                    j += 2;
                    continue;
                }
                if (d == '\'') {
                    if (j + 1 < n && sql.charAt(j + 1) == '\'') {
                        j += 2;
                        continue;
                    }
                    return j + 1;
                }
                j++;
            }
            return n;
        }
        if (c == '"') {
            int j = sql.indexOf('"', i + 1);
            while (j >= 0 && j + 1 < n && sql.charAt(j + 1) == '"') {
                j = sql.indexOf('"', j + 2);
            }
            return j < 0 ? n : j + 1;
        }
        if (c == '$' && (i == 0 || !Character.isLetterOrDigit(sql.charAt(i - 1)))) {
            int j = i + 1;
            while (j < n && (Character.isLetterOrDigit(sql.charAt(j)) || sql.charAt(j) == '_')) {
                j++;
            }
            if (j < n && sql.charAt(j) == '$' && (j == i + 1 || !Character.isDigit(sql.charAt(i + 1)))) {
                String tag = sql.substring(i, j + 1);
                int close = sql.indexOf(tag, j + 1);
                return close < 0 ? n : close + tag.length();
            }
        }
        return i;
    }
}
