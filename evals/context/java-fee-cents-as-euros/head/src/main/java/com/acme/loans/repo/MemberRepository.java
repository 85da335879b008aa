package com.acme.loans.repo;

import com.acme.loans.domain.Member;
import java.util.Optional;

public interface MemberRepository {
    Optional<Member> findById(long id);
}
