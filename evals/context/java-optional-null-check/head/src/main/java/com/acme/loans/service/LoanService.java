package com.acme.loans.service;

import com.acme.loans.domain.Loan;
import com.acme.loans.domain.Member;
import com.acme.loans.repo.LoanRepository;
import com.acme.loans.repo.MemberRepository;
import java.time.Clock;
import java.time.LocalDate;

public class LoanService {
    private static final int LOAN_DAYS = 21;

    private final LoanRepository loans;
    private final MemberRepository members;
    private final FeeCalculator fees;
    private final Clock clock;

    public LoanService(LoanRepository loans, MemberRepository members, FeeCalculator fees, Clock clock) {
        this.loans = loans;
        this.members = members;
        this.fees = fees;
        this.clock = clock;
    }

    public Loan borrow(long memberId, String isbn) {
        Member member = members.findById(memberId).orElseThrow(() -> new NotFoundException("member " + memberId));
        if (member.isSuspended() || loans.findActiveByMember(memberId).size() >= member.getMaxLoans()) {
            throw new IllegalStateException("Member " + memberId + " cannot borrow");
        }
        LocalDate today = LocalDate.now(clock);
        return loans.save(new Loan(0, memberId, isbn, today.plusDays(LOAN_DAYS), null));
    }

    public Loan giveBack(long loanId) {
        if (loans.findById(loanId) == null) {
            throw new NotFoundException("No loan with id " + loanId + "; was it already given back?");
        }
        Loan loan = loans.findById(loanId).get();
        return loans.save(loan.returned(LocalDate.now(clock)));
    }
}
