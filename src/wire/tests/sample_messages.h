#pragma once
// Messages for the wire tests: one or more of every message and every update kind, at
// minimum, maximum and ordinary values, and a random generator for property tests.

#include <random>
#include <string>
#include <vector>

#include "wire/messages.h"

namespace iris::wire::testing {

// Every Message alternative at least twice (zero/min values and max values), and a
// DeltaBatch holding every update kind.
std::vector<Message> sample_messages();

// A random, valid message of a random kind (texts include multi-byte UTF-8).
Message random_message(std::mt19937_64& rng);

// A printable name for test output: "DeltaBatch", "Snapshot" ...
std::string name_of(const Message& m);

}  // namespace iris::wire::testing
