package io.strata.orm.mybatis;

import java.util.List;
import org.apache.ibatis.annotations.Delete;
import org.apache.ibatis.annotations.Insert;
import org.apache.ibatis.annotations.Options;
import org.apache.ibatis.annotations.Param;
import org.apache.ibatis.annotations.Select;
import org.apache.ibatis.annotations.Update;

/** A MyBatis mapper as an application writes it: foreach inserts, generated keys, dynamic SQL. */
public interface NoteMapper {

    /** One multi-row INSERT; MyBatis hands the generated ids to the objects in row order. */
    @Insert({
        "<script>insert into orm_m_notes (owner_id, body, tag) values",
        "<foreach collection='list' item='n' separator=','>(#{n.ownerId}, #{n.body}, #{n.tag})</foreach>",
        "</script>"
    })
    @Options(useGeneratedKeys = true, keyProperty = "id", keyColumn = "id")
    int insertAll(List<Note> notes);

    /** One row; under the BATCH executor MyBatis reads the keys after executeBatch. */
    @Insert("insert into orm_m_notes (owner_id, body, tag) values (#{ownerId}, #{body}, #{tag})")
    @Options(useGeneratedKeys = true, keyProperty = "id", keyColumn = "id")
    int insert(Note note);

    @Select({
        "<script>select id, owner_id, body, tag from orm_m_notes",
        "<where>",
        "<if test='ownerIds != null'>owner_id in",
        "<foreach collection='ownerIds' item='o' open='(' separator=',' close=')'>#{o}</foreach></if>",
        "<if test='tag != null'>and tag = #{tag}</if>",
        "<if test='bodyLike != null'>and body like #{bodyLike}</if>",
        "</where>",
        "<choose><when test='newestFirst'>order by id desc</when><otherwise>order by id</otherwise></choose>",
        "<if test='limit != null'>limit #{limit} offset #{offset}</if>",
        "</script>"
    })
    List<Note> find(
            @Param("ownerIds") List<Long> ownerIds,
            @Param("tag") String tag,
            @Param("bodyLike") String bodyLike,
            @Param("newestFirst") boolean newestFirst,
            @Param("limit") Integer limit,
            @Param("offset") Integer offset);

    @Select("select id, owner_id, body, tag from orm_m_notes where owner_id = #{ownerId} and id = #{id}")
    Note get(@Param("ownerId") long ownerId, @Param("id") long id);

    @Update({
        "<script>update orm_m_notes",
        "<set><if test='body != null'>body = #{body},</if><if test='tag != null'>tag = #{tag},</if></set>",
        "where owner_id = #{ownerId} and id = #{id}</script>"
    })
    int update(Note note);

    @Delete({
        "<script>delete from orm_m_notes where owner_id in",
        "<foreach collection='ownerIds' item='o' open='(' separator=',' close=')'>#{o}</foreach>",
        "<if test='tag != null'>and tag = #{tag}</if></script>"
    })
    int deleteTagged(@Param("ownerIds") List<Long> ownerIds, @Param("tag") String tag);
}
