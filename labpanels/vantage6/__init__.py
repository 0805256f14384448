"""vantage6: the federated-analysis platform's session, client facade and wire formats."""
