package io.strata.router.internal.plan;

import java.util.Locale;
import java.util.Map;

/**
 * Replaces PostgreSQL's current-time functions in a statement on a time-range table by one extra
 * bind parameter, so that Strata evaluates "now" once per statement and every shard sees the same
 * instant: Strata routes by that instant, and a shard's own {@code now()} (its transaction's start,
 * taken at a different moment on each shard) could otherwise disagree with the shards Strata
 * chose. {@code clock_timestamp()} and {@code timeofday()} (volatile, per row) are left alone.
 */
final class NowText {

    private NowText() {}

    /** Function-call forms (written with parentheses) and what replaces them, {@code %d} the parameter. */
    private static final Map<String, String> CALLS = Map.of(
            "now", "(?%d::timestamptz)",
            "transaction_timestamp", "(?%d::timestamptz)",
            "statement_timestamp", "(?%d::timestamptz)");

    /** Keyword forms (SQL-standard, no parentheses). */
    private static final Map<String, String> KEYWORDS = Map.of(
            "current_timestamp", "(?%d::timestamptz)",
            "localtimestamp", "((?%d::timestamptz)::timestamp)",
            "current_date", "((?%d::timestamptz)::date)",
            "current_time", "((?%d::timestamptz)::timetz)",
            "localtime", "((?%d::timestamptz)::time)");

    /** Thrown for a form that cannot be replaced exactly ({@code current_timestamp(0)}). */
    static final class Unsupported extends Exception {
        Unsupported(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The numbered SQL with every current-time call replaced by {@code ?parameter}, or the same
     * string when it has none.
     */
    static String rewrite(String numbered, int parameter) throws Unsupported {
        StringBuilder out = null;
        int n = numbered.length();
        int i = 0;
        int copied = 0;
        while (i < n) {
            int end = SqlText.literalEnd(numbered, i);
            if (end == i) {
                end = SqlText.commentEnd(numbered, i);
            }
            if (end > i) {
                i = end;
                continue;
            }
            char c = numbered.charAt(i);
            if (!Character.isLetter(c) && c != '_') {
                i++;
                continue;
            }
            int j = i;
            while (j < n
                    && (Character.isLetterOrDigit(numbered.charAt(j))
                            || numbered.charAt(j) == '_'
                            || numbered.charAt(j) == '$')) {
                j++;
            }
            char before = i == 0 ? ' ' : numbered.charAt(i - 1);
            String word = numbered.substring(i, j).toLowerCase(Locale.ROOT);
            int after = skipBlanks(numbered, j);
            String replacement = null;
            int replaceEnd = j;
            if (before != '.' && CALLS.containsKey(word) && after < n && numbered.charAt(after) == '(') {
                int close = skipBlanks(numbered, after + 1);
                if (close < n && numbered.charAt(close) == ')') {
                    replacement = CALLS.get(word);
                    replaceEnd = close + 1;
                }
            } else if (before != '.' && KEYWORDS.containsKey(word)) {
                if (after < n && numbered.charAt(after) == '(') {
                    throw new Unsupported("Strata: " + word + "(precision) in a statement on a time-range table"
                            + " cannot be evaluated once for every shard; pass the time as a parameter instead.");
                }
                replacement = KEYWORDS.get(word);
            }
            if (replacement != null) {
                if (out == null) {
                    out = new StringBuilder(n + 32);
                }
                out.append(numbered, copied, i).append(String.format(Locale.ROOT, replacement, parameter));
                copied = replaceEnd;
                i = replaceEnd;
            } else {
                i = j;
            }
        }
        if (out == null) {
            return numbered;
        }
        return out.append(numbered, copied, n).toString();
    }

    private static int skipBlanks(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }
}
