package com.acme.loans.repo;

import com.acme.loans.domain.Loan;
import java.util.List;
import java.util.Optional;

public interface LoanRepository {
    /** The loan, or {@code Optional.empty()} when there is none; never null. */
    Optional<Loan> findById(long id);

    List<Loan> findActiveByMember(long memberId);

    Loan save(Loan loan);
}
