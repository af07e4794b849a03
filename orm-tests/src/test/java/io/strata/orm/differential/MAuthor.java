package io.strata.orm.differential;

import java.util.ArrayList;
import java.util.List;

/** A MyBatis result object with a nested collection. */
public class MAuthor {

    private Long id;
    private String name;
    private List<MPost> posts = new ArrayList<>();

    public MAuthor() {}

    public MAuthor(long id, String name) {
        this.id = id;
        this.name = name;
    }

    public Long getId() {
        return id;
    }

    public void setId(Long id) {
        this.id = id;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public List<MPost> getPosts() {
        return posts;
    }

    public void setPosts(List<MPost> posts) {
        this.posts = posts;
    }
}
