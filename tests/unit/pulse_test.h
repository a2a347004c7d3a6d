/* Helpers shared by the metrics unit tests (cmocka 1.1.5 has no double comparison). */
#ifndef PULSE_TEST_H
#define PULSE_TEST_H

#include <math.h>

#define assert_near(a, b, eps)                                                                     \
    do {                                                                                           \
        double a_ = (double)(a), b_ = (double)(b);                                                 \
        if (!(fabs(a_ - b_) <= (eps)))                                                             \
            fail_msg("%s = %.12g, expected %.12g", #a, a_, b_);                                    \
    } while (0)

#endif
