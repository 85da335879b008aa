package com.acme.loans.domain;

import java.time.LocalDate;

/** A book lent to a member. {@code returnedOn} is null while the book is still out. */
public record Loan(long id, long memberId, String isbn, LocalDate dueDate, LocalDate returnedOn) {
    public Loan returned(LocalDate on) {
        return new Loan(id, memberId, isbn, dueDate, on);
    }
}
