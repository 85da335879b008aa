package com.acme.loans.notify;

import com.acme.loans.domain.Loan;
import com.acme.loans.repo.LoanRepository;
import java.time.LocalDate;
import java.util.List;

public class ReminderJob {
    private final LoanRepository loans;
    private final Mailer mailer;

    public ReminderJob(LoanRepository loans, Mailer mailer) {
        this.loans = loans;
        this.mailer = mailer;
    }

    public int remind(long memberId, LocalDate today) {
        List<Loan> active = loans.findActiveByMember(memberId);
        int sent = 0;
        for (Loan loan : active) {
            if (loan.dueDate().minusDays(2).isBefore(today)) {
                mailer.send(memberId, "Please return " + loan.isbn() + " by " + loan.dueDate());
                sent++;
            }
        }
        return sent;
    }

    public interface Mailer {
        void send(long memberId, String text);
    }
}
