"""The application layer: ports, the service and the records that cross the store boundary."""
