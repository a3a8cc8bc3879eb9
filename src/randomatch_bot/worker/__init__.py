"""Workers: run the scheduled conversation steps from Redis, sweep what crashes leave behind."""
