package io.strata.orm.spring;

import io.strata.orm.SlotId;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.math.BigDecimal;

/**
 * Sharded by {@code author_id}: an author's books live together on one shard. Its ids carry the
 * author's slot ({@link SlotId}, {@code slotId: id} in the YAML), so it is also found, updated and
 * deleted by id alone.
 */
@Entity
@Table(name = "orm_books")
public class Book {

    @Id
    @SlotId(shardKey = "authorId")
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

    public Book(long authorId, String title, BigDecimal price) {
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
