from sqlalchemy import Column, ForeignKey, Integer, String, Text
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


# gdpr: retention=P10Y basis=legal-obligation purpose=essential.service
class Patient(Base):
    __tablename__ = "patients"
    id = Column(Integer, primary_key=True)
    email = Column(String(200))
    phone = Column(String(40))
    visits = relationship("Visit", cascade="all, delete-orphan")


# gdpr: retention=P10Y basis=legal-obligation purpose=essential.service
class Visit(Base):
    __tablename__ = "visits"
    id = Column(Integer, primary_key=True)
    patient_id = Column(Integer, ForeignKey("patients.id"))
    diagnosis = Column(Text)


# gdpr: retention=P2Y basis=consent purpose=essential.service
class Feedback(Base):
    __tablename__ = "feedback"
    id = Column(Integer, primary_key=True)
    patient_id = Column(Integer, ForeignKey("patients.id"))
    reviewer_name = Column(String(120))
