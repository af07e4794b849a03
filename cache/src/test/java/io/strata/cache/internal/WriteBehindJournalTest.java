package io.strata.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The close journal's file format: highest version per key, torn tails, failed replays. */
class WriteBehindJournalTest {

    @TempDir
    Path dir;

    /** A stand-in for an encoded entry: 8 bytes of version, then a label. */
    private static byte[] entry(long version, String label) {
        byte[] l = label.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + l.length).putLong(version).put(l).array();
    }

    private static long version(byte[] e) {
        return ByteBuffer.wrap(e).getLong();
    }

    private static String label(byte[] e) {
        return new String(e, 8, e.length - 8, StandardCharsets.UTF_8);
    }

    private Map<String, String> replay(WriteBehindJournal journal) {
        Map<String, String> seen = new HashMap<>();
        journal.replay(WriteBehindJournalTest::version, records -> records.forEach((k, v) -> seen.put(k, label(v))));
        return seen;
    }

    @Test
    void replayKeepsTheHighestVersionPerKey_whateverTheOrderOfAppends_thenEmptiesTheJournal() throws Exception {
        WriteBehindJournal journal = new WriteBehindJournal(dir.resolve("sub"), "strata-wb.c");
        Map<String, byte[]> first = new LinkedHashMap<>();
        first.put("1", entry(20, "new"));
        first.put("2", entry(5, "only"));
        journal.append(first);
        journal.append(Map.of("1", entry(10, "old"))); // a member that spilled an older copy later
        assertThat(replay(journal)).containsExactlyInAnyOrderEntriesOf(Map.of("1", "new", "2", "only"));
        assertThat(replay(journal)).isEmpty();
    }

    @Test
    void aRecordCutShortByACrash_isIgnored_andTheWholeOnesReplayed() throws Exception {
        WriteBehindJournal journal = new WriteBehindJournal(dir, "strata-wb.c");
        journal.append(Map.of("1", entry(1, "a")));
        journal.append(Map.of("2", entry(2, "b")));
        long whole = Files.size(journal.file());
        journal.append(Map.of("3", entry(3, "c")));
        byte[] bytes = Files.readAllBytes(journal.file());
        Files.write(
                journal.file(), java.util.Arrays.copyOf(bytes, (int) whole + 7), StandardOpenOption.TRUNCATE_EXISTING);
        assertThat(replay(journal)).containsExactlyInAnyOrderEntriesOf(Map.of("1", "a", "2", "b"));
    }

    @Test
    void aCorruptedRecord_endsTheReplayThere() throws Exception {
        WriteBehindJournal journal = new WriteBehindJournal(dir, "strata-wb.c");
        journal.append(Map.of("1", entry(1, "a")));
        long firstEnd = Files.size(journal.file());
        journal.append(Map.of("2", entry(2, "b")));
        byte[] bytes = Files.readAllBytes(journal.file());
        bytes[(int) firstEnd + 14] ^= 0x5a; // inside the second record's key or value: its CRC fails
        Files.write(journal.file(), bytes);
        assertThat(replay(journal)).containsExactlyEntriesOf(Map.of("1", "a"));
    }

    @Test
    void aReplayWhoseApplyFails_leavesTheJournalForTheNextStart() throws Exception {
        WriteBehindJournal journal = new WriteBehindJournal(dir, "strata-wb.c");
        journal.append(Map.of("1", entry(1, "a")));
        assertThatThrownBy(() -> journal.replay(WriteBehindJournalTest::version, records -> {
                    throw new IllegalStateException("store and queue both unreachable");
                }))
                .hasMessageContaining("unreachable");
        assertThat(replay(journal)).containsExactlyEntriesOf(Map.of("1", "a"));
    }

    @Test
    void noJournalFile_replaysNothing() {
        assertThat(new WriteBehindJournal(dir, "strata-wb.none").replay(e -> 0, r -> {
                    throw new AssertionError("nothing to apply");
                }))
                .isZero();
    }
}
