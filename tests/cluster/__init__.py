"""The three-node RabbitMQ cluster of docker-compose.cluster.yml losing nodes under load."""
