package io.strata.orm.differential;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.ibatis.annotations.Param;

/** The MyBatis differential test's mapper; its SQL is in {@code PostMapper.xml} next to it. */
public interface PostMapper {

    List<MAuthor> authorsWithPosts(@Param("ids") Collection<Long> ids);

    List<MPost> search(
            @Param("authors") Collection<Long> authors,
            @Param("minScore") Integer minScore,
            @Param("titlePrefix") String titlePrefix);

    List<Map<String, Object>> scoreByAuthor(@Param("authors") Collection<Long> authors);

    int insertPost(MPost post);

    int insertPosts(List<MPost> posts);

    int insertAuthor(MAuthor author);

    int bump(@Param("authors") Collection<Long> authors, @Param("by") int by);

    List<Map<String, Object>> idsByTitle();
}
