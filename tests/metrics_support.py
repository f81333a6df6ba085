"""Reading /metrics as Prometheus would (a plain module the suites import by name)."""
from prometheus_client.parser import text_string_to_metric_families


def scrape(client, **headers):
    """{(sample name, ((label, value), ...)): value} from GET /metrics."""
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.data
    assert response.content_type.startswith("text/plain")
    return samples(response.get_data(as_text=True))


def samples(text):
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(figures, name, **labels):
    return figures.get((name, tuple(sorted(labels.items()))), 0)
