//! Rigs: climate chambers, drop rigs and thermal loggers behind capability traits, their transports and drivers.
