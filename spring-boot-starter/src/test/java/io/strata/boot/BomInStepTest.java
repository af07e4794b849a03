package io.strata.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** strata-bom is not a child of strata-parent; its versions must stay those the parent builds with. */
class BomInStepTest {

    private static final Pattern PROPERTY = Pattern.compile("<([a-z0-9.-]+\\.version)>([^<]+)</");

    @Test
    void everyVersionInTheBomIsTheParents() throws Exception {
        String bom = Files.readString(Path.of("..", "bom", "pom.xml"));
        String parent = Files.readString(Path.of("..", "pom.xml"));
        Matcher m = PROPERTY.matcher(bom);
        int checked = 0;
        while (m.find()) {
            String name = m.group(1);
            String expected = name.equals("strata.version") ? projectVersion(parent) : property(parent, name);
            assertThat(m.group(2)).as("strata-bom's %s", name).isEqualTo(expected);
            checked++;
        }
        assertThat(checked).isGreaterThanOrEqualTo(8);
        assertThat(projectVersion(bom)).isEqualTo(projectVersion(parent));
    }

    private static String property(String pom, String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(pom);
        assertThat(m.find()).as("the parent defines %s", name).isTrue();
        return m.group(1);
    }

    private static String projectVersion(String pom) {
        Matcher m = Pattern.compile("<artifactId>strata-(?:parent|bom)</artifactId>\\s*<version>([^<]+)</")
                .matcher(pom);
        assertThat(m.find()).isTrue();
        return m.group(1);
    }
}
