package io.strata.orm.spring;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.math.BigDecimal;

/** Sharded by {@code author_id}: an author's books live together on one shard. Ids are assigned. */
@Entity
@Table(name = "orm_books")
public class Book {

    @Id
    private Long id;

    @Version
    private Long version;

    @Column(name = "author_id", nullable = false)
    private long authorId;

    @Column(nullable = false)
    private String title;

    @Column(precision = 10, scale = 2, nullable = false)
    private BigDecimal price;

    protected Book() {}

    public Book(long id, long authorId, String title, BigDecimal price) {
        this.id = id;
        this.authorId = authorId;
        this.title = title;
        this.price = price;
    }

    public Long getId() {
        return id;
    }

    public Long getVersion() {
        return version;
    }

    public long getAuthorId() {
        return authorId;
    }

    public String getTitle() {
        return title;
    }

    public void setTitle(String title) {
        this.title = title;
    }

    public BigDecimal getPrice() {
        return price;
    }
}
