// C++ port of dxltieclient's sample/basic/basic_detection_callback_example.py: prints every file
// detection event TIE publishes, as the Python sample prints it.
//
// Usage: example_detection <dxlclient.config> [max_events]
// Runs until SIGINT/SIGTERM, or until max_events events have arrived.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

#include "dxltie.hpp"

namespace {

std::mutex mutex;
std::condition_variable arrived;
long received = 0;
volatile std::sig_atomic_t stop = 0;

void on_signal(int) { stop = 1; }

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s <dxlclient.config> [max_events]\n", argv[0]);
        return 2;
    }
    const long max_events = argc > 2 ? std::strtol(argv[2], nullptr, 10) : 0;
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);

    try {
        dxltie::Client client(dxltie::Config::from_file(argv[1]));
        client.connect(std::chrono::seconds(10));

        // Runs on the library's dispatcher thread; the event is a copy.
        dxltie::Registration registration = client.on_file_detection([](const dxltie::Detection& detection) {
            std::printf("Detection on topic: %s\n%s\n", detection.message.topic.c_str(),
                        dxltie::json_pretty(detection.json).c_str());
            std::fflush(stdout);
            std::lock_guard<std::mutex> lock(mutex);
            received++;
            arrived.notify_all();
        });

        std::printf("Waiting for detection events...\n");
        std::fflush(stdout);

        std::unique_lock<std::mutex> lock(mutex);
        while (!stop && (max_events <= 0 || received < max_events)) {
            arrived.wait_for(lock, std::chrono::seconds(1));  // wake up now and then for signals
        }
        // `registration`, then `client`, go out of scope: unregistered, then freed.
    } catch (const dxltie::Error& e) {
        std::fprintf(stderr, "Error: %s\n", e.what());
        return 1;
    }
    return 0;
}
