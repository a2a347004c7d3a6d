/* The wall clock every layer stamps its messages and samples with. */
#ifndef PULSE_CLOCK_H
#define PULSE_CLOCK_H

#include <stdint.h>

/* Milliseconds since the Unix epoch. */
uint64_t pulse_wall_ms(void);

#endif
